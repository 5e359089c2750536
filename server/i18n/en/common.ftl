# What every page shares: the language switch.
language-switch = Language
language-name-ja = 日本語
language-name-en = English
