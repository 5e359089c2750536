# サービスが送るメール (R-3.4-REVOKE-CONFIRM)
mail-revocation-subject = 証明書 { $serial } の失効の確認
mail-revocation-body =
    { $manager } 様

    開発者 { $developer } の証明書
    { $serial }
    の失効申請 (理由: { $reason }) を受け付けました。

    次のリンクで確認された場合に限り失効させます:
    { $link }

    お心当たりのない場合は、このメールを破棄してください。
