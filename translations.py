{  # noqa: B018 - a dict of translations, read with ast.literal_eval
    "Choose a day from %(first)s to %(last)s: the statement looks back at most three years.": {
        "de": "Wählen Sie einen Tag vom %(first)s bis zum %(last)s: Der Kontoauszug blickt höchstens drei Jahre zurück.",
        "fr": "Choisissez un jour du %(first)s au %(last)s : le relevé remonte au plus trois ans en arrière.",
        "ja": "%(first)s から %(last)s までの日付を選んでください。明細書がさかのぼれるのは最大 3 年です。",
    },
    "Choose a day from %(first)s to %(last)s: the statement looks ahead at most a year.": {
        "de": "Wählen Sie einen Tag vom %(first)s bis zum %(last)s: Der Kontoauszug blickt höchstens ein Jahr voraus.",
        "fr": "Choisissez un jour du %(first)s au %(last)s : le relevé regarde au plus un an en avant.",
        "ja": "%(first)s から %(last)s までの日付を選んでください。明細書が先を見られるのは最大 1 年です。",
    },
}
