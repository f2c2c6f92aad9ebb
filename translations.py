{  # noqa: B018  (msgids and their translations, for the catalogs)
    "The file holds no invoices: it is an empty JSON array.": {
        "de": "Die Datei enthält keine Rechnungen: Sie ist ein leeres JSON-Array.",
        "fr": "Le fichier ne contient aucune facture : c’est un tableau JSON vide.",
        "ja": "ファイルに請求書がありません：空の JSON 配列です。",
    },
    "The file holds no invoices: it has a header row but no rows after it.": {
        "de": "Die Datei enthält keine Rechnungen: Sie hat eine Kopfzeile, aber keine Zeilen danach.",
        "fr": "Le fichier ne contient aucune facture : il a une ligne d’en-tête mais aucune ligne après elle.",
        "ja": "ファイルに請求書がありません：見出し行はありますが、その後に行がありません。",
    },
    "A number has more digits than any field takes; amounts are decimal strings such as \"19.99\".": {
        "de": "Eine Zahl hat mehr Ziffern, als ein Feld aufnimmt; Beträge sind Dezimalzeichenketten wie \"19.99\".",
        "fr": "Un nombre a plus de chiffres qu’aucun champ n’en accepte ; les montants sont des chaînes décimales "
              "comme \"19.99\".",
        "ja": "数値の桁数がどのフィールドにも収まりません。金額は \"19.99\" のような10進数の文字列で指定してください。",
    },
    "Given more than once in its object: give each key once (JSON keeps only the last).": {
        "de": "Mehr als einmal im selben Objekt angegeben: Geben Sie jeden Schlüssel einmal an (JSON behält nur den "
              "letzten).",
        "fr": "Donnée plus d’une fois dans son objet : donnez chaque clé une seule fois (JSON ne garde que la "
              "dernière).",
        "ja": "同じオブジェクトで複数回指定されています：各キーは1回だけ指定してください（JSON は最後の値だけを残します）。",
    },
    "This row is another header, with other columns than the first (files joined together?): import the files one by one.": {
        "de": "Diese Zeile ist eine weitere Kopfzeile mit anderen Spalten als die erste (zusammengefügte Dateien?): "
              "Importieren Sie die Dateien einzeln.",
        "fr": "Cette ligne est un autre en-tête, avec d’autres colonnes que le premier (fichiers joints ?) : "
              "importez les fichiers un par un.",
        "ja": "この行は、最初の見出しとは列が異なる別の見出し行です（ファイルを連結しましたか？）：ファイルを1つずつインポートしてください。",
    },
    "Expected a JSON array of invoices, not one object: put the invoice in [ ].": {
        "de": "Erwartet wird ein JSON-Array von Rechnungen, nicht ein einzelnes Objekt: Setzen Sie die Rechnung in [ ].",
        "fr": "Un tableau JSON de factures est attendu, pas un seul objet : placez la facture entre [ ].",
        "ja": "請求書の JSON 配列が必要です。単一のオブジェクトではありません：請求書を [ ] で囲んでください。",
    },
    "Must be in composed Unicode form (NFC), as the same text is compared: write é as one character, not e and a combining accent.": {
        "de": "Muss in zusammengesetzter Unicode-Form (NFC) vorliegen, da derselbe Text verglichen wird: Schreiben Sie é "
              "als ein Zeichen, nicht als e mit kombinierendem Akzent.",
        "fr": "Doit être en forme Unicode composée (NFC), car le même texte est comparé : écrivez é en un seul "
              "caractère, pas e suivi d’un accent combinant.",
        "ja": "同じテキストとして比較されるため、Unicode の合成形（NFC）にしてください：é は e と結合アクセントではなく、1文字で書いてください。",
    },
}
