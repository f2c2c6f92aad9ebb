{  # noqa: B018  (msgids and their translations, for the catalogs)
    'In drafts': {'de': 'In Entwürfen', 'fr': 'En brouillon', 'ja': '下書き中'},
    'Already invoiced: by posted invoices, less what credit notes took back. In drafts: by draft invoices not posted yet.': {'de': 'Bereits abgerechnet: durch gebuchte Rechnungen, abzüglich dessen, was Gutschriften zurückgenommen haben. In Entwürfen: durch noch nicht gebuchte Rechnungsentwürfe.', 'fr': 'Déjà facturé : par les factures validées, moins ce que les avoirs ont repris. En brouillon : par les brouillons de facture pas encore validés.', 'ja': '請求済み数量：確定済みの請求書の数量（クレジットノートで取り消した分を除く）。下書き中：まだ確定していない下書きの請求書の数量。'},
    'Invoice %(number)s was already posted.': {'de': 'Die Rechnung %(number)s war bereits gebucht.', 'fr': 'La facture %(number)s était déjà validée.', 'ja': '請求書 %(number)s はすでに確定済みです。'},
    'Must be "on" or "off".': {'de': 'Muss „on“ oder „off“ sein.', 'fr': 'Doit être « on » ou « off ».', 'ja': '「on」または「off」を指定してください。'},
}
