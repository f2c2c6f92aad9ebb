{  # noqa: B018 - a dict of translations, read with ast.literal_eval
    "Page %(number)s is reached with the pager's links (Next, Last); here is the first page.": {
        "de": "Seite %(number)s erreichen Sie über die Links der Seitennavigation (Weiter, Letzte); hier ist die erste Seite.",
        "fr": "La page %(number)s s’atteint par les liens de pagination (Suivante, Dernière) ; voici la première page.",
        "ja": "%(number)s ページへはページ送りのリンク（次へ、最後）から移動してください。最初のページを表示しています。",
    },
    "Choose at least one column to show; your columns were not changed.": {
        "de": "Wählen Sie mindestens eine Spalte zur Anzeige aus; Ihre Spalten wurden nicht geändert.",
        "fr": "Choisissez au moins une colonne à afficher ; vos colonnes n’ont pas été modifiées.",
        "ja": "表示する列を 1 つ以上選択してください。列は変更されていません。",
    },
    "No documents match these filters.": {
        "de": "Keine Dokumente entsprechen diesen Filtern.",
        "fr": "Aucun document ne correspond à ces filtres.",
        "ja": "この条件に一致する書類はありません。",
    },
    "There is no page %(number)s: the report has %(num)d page; here it is.": {
        "de": ["Es gibt keine Seite %(number)s: Der Bericht hat %(num)d Seite; hier ist sie.",
               "Es gibt keine Seite %(number)s: Der Bericht hat %(num)d Seiten; hier ist die letzte."],
        "fr": ["Il n’y a pas de page %(number)s : le rapport a %(num)d page ; la voici.",
               "Il n’y a pas de page %(number)s : le rapport a %(num)d pages ; voici la dernière."],
        "ja": ["%(number)s ページはありません。この表は %(num)d ページです。最後のページを表示しています。"],
    },
}
