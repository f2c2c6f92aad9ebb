{  # noqa: B018  (msgids and their translations, for the catalogs)
    "Between %(min)s and %(max)s characters.": {
        "de": "Zwischen %(min)s und %(max)s Zeichen.",
        "fr": "Entre %(min)s et %(max)s caractères.",
        "ja": "%(min)s 文字以上 %(max)s 文字以内で入力してください。",
    },
    "At most %(limit)s entries.": {
        "de": "Höchstens %(limit)s Einträge.",
        "fr": "%(limit)s entrées au maximum.",
        "ja": "%(limit)s 件以内にしてください。",
    },
}
