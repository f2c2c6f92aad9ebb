{  # noqa: B018  (msgids and their translations, for the catalogs)
    '%(means)s cannot be stated in %(profile)s e-invoices: they need the direct debit mandate reference (BT-89), which invoices do not keep, so every posting would be refused. Choose another payment means or e-invoice profile.': {
        'de': '%(means)s kann in %(profile)s-E-Rechnungen nicht angegeben werden: Sie benötigen die Mandatsreferenz der Lastschrift (BT-89), die Rechnungen nicht speichern, daher würde jedes Buchen abgelehnt. Wählen Sie eine andere Zahlungsart oder ein anderes E-Rechnungsprofil.',
        'fr': '%(means)s ne peut pas figurer dans les factures électroniques %(profile)s : elles exigent la référence du mandat de prélèvement (BT-89), que les factures ne conservent pas ; toute validation serait donc refusée. Choisissez un autre moyen de paiement ou un autre profil de facture électronique.',
        'ja': '%(means)s は %(profile)s の電子請求書に記載できません：口座振替のマンデート参照（BT-89）が必要ですが、請求書はこれを保持しないため、すべての確定が拒否されます。別の支払方法または電子請求書プロファイルを選択してください。',
    },
    'Must be an email address or a Peppol participant id written scheme:id, such as 0088:4035811991021.': {
        'de': 'Muss eine E-Mail-Adresse oder eine Peppol-Teilnehmer-ID in der Form scheme:id sein, etwa 0088:4035811991021.',
        'fr': 'Doit être une adresse e-mail ou un identifiant de participant Peppol écrit scheme:id, par exemple 0088:4035811991021.',
        'ja': 'メールアドレス、または scheme:id 形式の Peppol 参加者 ID（例：0088:4035811991021）である必要があります。',
    },
}
