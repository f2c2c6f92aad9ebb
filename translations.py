{  # noqa: B018  (msgids and their translations, for the catalogs)
    "An address object with fields such as name, street, city, postal_code and country.": {
        "de": "Ein Adressobjekt mit Feldern wie name, street, city, postal_code und country.",
        "fr": "Un objet adresse avec des champs tels que name, street, city, postal_code et country.",
        "ja": "name、street、city、postal_code、country などの項目を持つ住所オブジェクトを指定してください。",
    },
    "An object with vat_id, country_code and/or reference.": {
        "de": "Ein Objekt mit vat_id, country_code und/oder reference.",
        "fr": "Un objet avec vat_id, country_code et/ou reference.",
        "ja": "vat_id、country_code、reference のいずれかを持つオブジェクトを指定してください。",
    },
    "A line object with description, quantity, unit_price and tax_rate.": {
        "de": "Ein Positionsobjekt mit description, quantity, unit_price und tax_rate.",
        "fr": "Un objet ligne avec description, quantity, unit_price et tax_rate.",
        "ja": "description、quantity、unit_price、tax_rate を持つ明細オブジェクトを指定してください。",
    },
    "An object with line (the line's position) and quantity.": {
        "de": "Ein Objekt mit line (der Position der Zeile) und quantity.",
        "fr": "Un objet avec line (la position de la ligne) et quantity.",
        "ja": "line（明細の位置）と quantity を持つオブジェクトを指定してください。",
    },
    "An object with tax_rate and amount.": {
        "de": "Ein Objekt mit tax_rate und amount.",
        "fr": "Un objet avec tax_rate et amount.",
        "ja": "tax_rate と amount を持つオブジェクトを指定してください。",
    },
    "A list of line objects.": {
        "de": "Eine Liste von Positionsobjekten.",
        "fr": "Une liste d’objets ligne.",
        "ja": "明細オブジェクトのリストを指定してください。",
    },
    "Expected a JSON array of invoices, not an object: make the array of its %(key)s key the whole file.": {
        "de": "Erwartet wird ein JSON-Array von Rechnungen, kein Objekt: Machen Sie das Array seines Schlüssels %(key)s zur ganzen Datei.",
        "fr": "Un tableau JSON de factures est attendu, pas un objet : faites du tableau de sa clé %(key)s le fichier entier.",
        "ja": "オブジェクトではなく請求書の JSON 配列が必要です：キー %(key)s の配列をファイル全体にしてください。",
    },
}
