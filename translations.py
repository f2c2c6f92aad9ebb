{  # noqa: B018
    "Time zone in which times are shown, with the zone, on the pages, invoices and emails, and whose date is today (the day invoices become overdue on and the latest day a payment can be received on), an IANA name such as Europe/Berlin.": {
        "de": "Zeitzone, in der Uhrzeiten mit Angabe der Zone auf den Seiten, Rechnungen und in E-Mails angezeigt werden und deren Datum als heute gilt (der Tag, an dem Rechnungen überfällig werden, und der späteste Tag, an dem eine Zahlung eingegangen sein kann), ein IANA-Name wie Europe/Berlin.",
        "fr": "Fuseau horaire dans lequel les heures sont affichées, avec le fuseau, sur les pages, les factures et les e-mails, et dont la date est celle d’aujourd’hui (le jour où les factures deviennent échues et le dernier jour où un paiement peut avoir été reçu), un nom IANA tel que Europe/Paris.",
        "ja": "ページ・請求書・メールで時刻をタイムゾーン付きで表示する際のタイムゾーンで、その日付が今日になります（請求書が期限超過になる日、および支払いを受領できる最終日）。Asia/Tokyo のような IANA 名で指定します。",
    },
}
