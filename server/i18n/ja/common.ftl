# すべてのページに共通: 言語の切り替え
language-switch = 言語
language-name-ja = 日本語
language-name-en = English
