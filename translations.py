{  # noqa: B018  (msgids and their translations, for the catalogs)
    "%(method)s did not answer whether it carried out the %(request)s of %(amount)s (%(reason)s). It may have been made: its amount stays reserved until you check the payment at %(method)s and confirm on the invoice's payment whether it was made. Do not ask for it again: a request sent again is a new one there.": {
        "de": "%(method)s hat nicht beantwortet, ob %(request)s über %(amount)s ausgeführt wurde (%(reason)s). Sie wurde möglicherweise ausgeführt: Ihr Betrag bleibt reserviert, bis Sie die Zahlung bei %(method)s prüfen und an der Zahlung der Rechnung bestätigen, ob sie ausgeführt wurde. Fragen Sie nicht erneut an: Eine erneut gesendete Anfrage ist dort eine neue.",
        "fr": "%(method)s n’a pas répondu sur l’exécution de la demande (%(request)s) de %(amount)s (%(reason)s). Elle a peut-être été effectuée : son montant reste réservé jusqu’à ce que vous vérifiiez le paiement chez %(method)s et confirmiez sur le paiement de la facture si elle a été effectuée. Ne la redemandez pas : une demande renvoyée y est une nouvelle demande.",
        "ja": "%(method)s から %(amount)s の %(request)s を実行したかどうかの応答がありませんでした（%(reason)s）。実行された可能性があります：%(method)s で支払いを確認し、請求書の支払いで実行されたかどうかを確認するまで、金額は確保されたままです。再度依頼しないでください：再送した依頼はそこでは新しい依頼になります。",
    },
    "%(method)s did not answer whether it re-authorized %(amount)s (%(reason)s). The new authorization may have been made: the old one stays reserved for it until %(method)s reports it. Re-authorizing again sends this same request, which %(method)s never carries out twice.": {
        "de": "%(method)s hat nicht beantwortet, ob %(amount)s erneut autorisiert wurden (%(reason)s). Die neue Autorisierung wurde möglicherweise erteilt: Die alte bleibt dafür reserviert, bis %(method)s sie meldet. Erneutes Autorisieren sendet dieselbe Anfrage noch einmal, die %(method)s nie zweimal ausführt.",
        "fr": "%(method)s n’a pas répondu sur la nouvelle autorisation de %(amount)s (%(reason)s). Elle a peut-être été accordée : l’ancienne reste réservée pour elle jusqu’à ce que %(method)s la signale. Réautoriser à nouveau renvoie cette même demande, que %(method)s n’exécute jamais deux fois.",
        "ja": "%(method)s から %(amount)s の再承認が行われたかどうかの応答がありませんでした（%(reason)s）。新しいオーソリが作成された可能性があります：%(method)s から報告があるまで、古いオーソリはそのために確保されたままです。再度再承認すると同じリクエストが再送され、%(method)s が二重に実行することはありません。",
    },
    "%(method)s did not answer whether it captured %(amount)s (%(reason)s). The capture may have been made: the authorization stays reserved for it until %(method)s reports it. Capturing again sends this same request, which %(method)s never carries out twice.": {
        "de": "%(method)s hat nicht beantwortet, ob %(amount)s erfasst wurden (%(reason)s). Die Erfassung wurde möglicherweise ausgeführt: Die Autorisierung bleibt dafür reserviert, bis %(method)s sie meldet. Erneutes Erfassen sendet dieselbe Anfrage noch einmal, die %(method)s nie zweimal ausführt.",
        "fr": "%(method)s n’a pas répondu sur la capture de %(amount)s (%(reason)s). La capture a peut-être été effectuée : l’autorisation reste réservée pour elle jusqu’à ce que %(method)s la signale. Capturer à nouveau renvoie cette même demande, que %(method)s n’exécute jamais deux fois.",
        "ja": "%(method)s から %(amount)s の売上確定が行われたかどうかの応答がありませんでした（%(reason)s）。売上確定が行われた可能性があります：%(method)s から報告があるまで、オーソリはそのために確保されたままです。再度売上確定すると同じリクエストが再送され、%(method)s が二重に実行することはありません。",
    },
    "%(method)s did not answer whether it canceled the authorization of %(amount)s (%(reason)s). It may have been canceled: it stays reserved until %(method)s reports it. Canceling again sends this same request, which %(method)s never carries out twice.": {
        "de": "%(method)s hat nicht beantwortet, ob die Autorisierung über %(amount)s storniert wurde (%(reason)s). Sie wurde möglicherweise storniert: Sie bleibt reserviert, bis %(method)s es meldet. Erneutes Stornieren sendet dieselbe Anfrage noch einmal, die %(method)s nie zweimal ausführt.",
        "fr": "%(method)s n’a pas répondu sur l’annulation de l’autorisation de %(amount)s (%(reason)s). Elle a peut-être été annulée : elle reste réservée jusqu’à ce que %(method)s le signale. Annuler à nouveau renvoie cette même demande, que %(method)s n’exécute jamais deux fois.",
        "ja": "%(method)s から %(amount)s のオーソリが取り消されたかどうかの応答がありませんでした（%(reason)s）。取り消された可能性があります：%(method)s から報告があるまで確保されたままです。再度取り消すと同じリクエストが再送され、%(method)s が二重に実行することはありません。",
    },
    "%(method)s did not answer whether it refunded %(amount)s (%(reason)s). The refund may have been made: its amount stays reserved until %(method)s reports it. Asking again for the same amount sends this same request, which %(method)s never carries out twice.": {
        "de": "%(method)s hat nicht beantwortet, ob %(amount)s erstattet wurden (%(reason)s). Die Erstattung wurde möglicherweise ausgeführt: Ihr Betrag bleibt reserviert, bis %(method)s sie meldet. Eine erneute Anfrage über denselben Betrag sendet dieselbe Anfrage noch einmal, die %(method)s nie zweimal ausführt.",
        "fr": "%(method)s n’a pas répondu sur le remboursement de %(amount)s (%(reason)s). Le remboursement a peut-être été effectué : son montant reste réservé jusqu’à ce que %(method)s le signale. Redemander le même montant renvoie cette même demande, que %(method)s n’exécute jamais deux fois.",
        "ja": "%(method)s から %(amount)s の返金が行われたかどうかの応答がありませんでした（%(reason)s）。返金は行われた可能性があります：%(method)s から報告があるまで、この金額は確保されたままです。同じ金額で再度返金すると同じリクエストが再送され、%(method)s が二重に実行することはありません。",
    },
    "%(method)s did not answer whether it carried out the %(request)s of %(amount)s (asked %(when)s), so its amount stays reserved until %(method)s reports it. Ask for the %(request)s again: the same request is sent, which %(method)s never carries out twice.": {
        "de": "%(method)s hat nicht beantwortet, ob %(request)s über %(amount)s (angefragt %(when)s) ausgeführt wurde; ihr Betrag bleibt daher reserviert, bis %(method)s sie meldet. Fragen Sie erneut an: Dieselbe Anfrage wird gesendet, die %(method)s nie zweimal ausführt.",
        "fr": "%(method)s n’a pas répondu sur l’exécution de la demande (%(request)s) de %(amount)s (demandée %(when)s) : son montant reste donc réservé jusqu’à ce que %(method)s la signale. Redemandez-la : la même demande est envoyée, que %(method)s n’exécute jamais deux fois.",
        "ja": "%(method)s から %(amount)s の %(request)s（依頼日時 %(when)s）を実行したかどうかの応答がないため、%(method)s から報告があるまで金額は確保されたままです。再度依頼してください：同じリクエストが送信され、%(method)s が二重に実行することはありません。",
    },
    "%(method)s did not answer whether it carried out the %(request)s of %(amount)s (asked %(when)s), so its amount stays reserved. Check the payment at %(method)s and confirm on the invoice's payment whether it was made.": {
        "de": "%(method)s hat nicht beantwortet, ob %(request)s über %(amount)s (angefragt %(when)s) ausgeführt wurde; ihr Betrag bleibt daher reserviert. Prüfen Sie die Zahlung bei %(method)s und bestätigen Sie an der Zahlung der Rechnung, ob sie ausgeführt wurde.",
        "fr": "%(method)s n’a pas répondu sur l’exécution de la demande (%(request)s) de %(amount)s (demandée %(when)s) : son montant reste donc réservé. Vérifiez le paiement chez %(method)s et confirmez sur le paiement de la facture si elle a été effectuée.",
        "ja": "%(method)s から %(amount)s の %(request)s（依頼日時 %(when)s）を実行したかどうかの応答がないため、金額は確保されたままです。%(method)s で支払いを確認し、請求書の支払いで実行されたかどうかを確認してください。",
    },
    "This request is no longer waiting for its provider's answer: it was reported, asked again or confirmed already.": {
        "de": "Diese Anfrage wartet nicht mehr auf die Antwort des Zahlungsanbieters: Sie wurde bereits gemeldet, erneut gesendet oder bestätigt.",
        "fr": "Cette demande n’attend plus la réponse de son prestataire : elle a déjà été signalée, renvoyée ou confirmée.",
        "ja": "この依頼はもう決済事業者の応答を待っていません：既に報告、再依頼、または確認されています。",
    },
    "Ask %(method)s again instead: the same request is sent, and %(method)s answers what it did the first time.": {
        "de": "Fragen Sie stattdessen erneut bei %(method)s an: Dieselbe Anfrage wird gesendet, und %(method)s antwortet, was beim ersten Mal geschah.",
        "fr": "Redemandez plutôt à %(method)s : la même demande est envoyée, et %(method)s répond ce qu’il a fait la première fois.",
        "ja": "代わりに %(method)s に再度依頼してください：同じリクエストが送信され、%(method)s は最初に行った内容を応答します。",
    },
    "A %(request)s is recorded only as %(method)s reports it. If %(method)s did not make it, confirm that it was not made.": {
        "de": "Erfasst wird %(request)s nur, wenn %(method)s sie meldet. Hat %(method)s sie nicht ausgeführt, bestätigen Sie, dass sie nicht ausgeführt wurde.",
        "fr": "Seul le rapport de %(method)s permet d’enregistrer la demande (%(request)s). Si %(method)s ne l’a pas exécutée, confirmez qu’elle n’a pas été effectuée.",
        "ja": "%(request)s は %(method)s からの報告によってのみ記録されます。%(method)s が実行しなかった場合は、実行されなかったことを確認してください。",
    },
    "Confirmed that %(method)s made the %(request)s of %(amount)s": {
        "de": "Bestätigt, dass %(method)s %(request)s über %(amount)s ausgeführt hat",
        "fr": "Confirmé que %(method)s a effectué la demande (%(request)s) de %(amount)s",
        "ja": "%(method)s が %(amount)s の %(request)s を実行したことを確認しました",
    },
    "Confirmed that %(method)s did not make the %(request)s of %(amount)s; it is no longer reserved": {
        "de": "Bestätigt, dass %(method)s %(request)s über %(amount)s nicht ausgeführt hat; der Betrag ist nicht mehr reserviert",
        "fr": "Confirmé que %(method)s n’a pas effectué la demande (%(request)s) de %(amount)s ; le montant n’est plus réservé",
        "ja": "%(method)s が %(amount)s の %(request)s を実行しなかったことを確認しました。金額の確保は解除されました",
    },
    "%(summary)s (reference %(reference)s)": {
        "de": "%(summary)s (Referenz %(reference)s)",
        "fr": "%(summary)s (référence %(reference)s)",
        "ja": "%(summary)s（参照番号 %(reference)s）",
    },
    "Not made at %(method)s (confirmed).": {
        "de": "Bei %(method)s nicht ausgeführt (bestätigt).",
        "fr": "Non effectuée chez %(method)s (confirmé).",
        "ja": "%(method)s では実行されませんでした（確認済み）。",
    },
    "No request on this payment is waiting for an answer to confirm: it was reported, asked again or confirmed already.": {
        "de": "Keine Anfrage zu dieser Zahlung wartet auf eine zu bestätigende Antwort: Sie wurde bereits gemeldet, erneut gesendet oder bestätigt.",
        "fr": "Aucune demande sur ce paiement n’attend de réponse à confirmer : elle a déjà été signalée, renvoyée ou confirmée.",
        "ja": "この支払いで確認待ちの依頼はありません：既に報告、再依頼、または確認されています。",
    },
    "Choose whether the request was made: It Was Made or It Was Not Made.": {
        "de": "Wählen Sie, ob die Anfrage ausgeführt wurde: Wurde ausgeführt oder Wurde nicht ausgeführt.",
        "fr": "Indiquez si la demande a été effectuée : Effectuée ou Non effectuée.",
        "ja": "依頼が実行されたかどうかを選んでください：「実行された」または「実行されなかった」。",
    },
    "Recorded that %(method)s did not make it: the %(amount)s is no longer reserved.": {
        "de": "Erfasst, dass %(method)s sie nicht ausgeführt hat: Die %(amount)s sind nicht mehr reserviert.",
        "fr": "Enregistré que %(method)s ne l’a pas effectuée : les %(amount)s ne sont plus réservés.",
        "ja": "%(method)s が実行しなかったことを記録しました：%(amount)s の確保は解除されました。",
    },
    "Recorded as made at %(method)s: %(amount)s.": {
        "de": "Als bei %(method)s ausgeführt erfasst: %(amount)s.",
        "fr": "Enregistré comme effectué chez %(method)s : %(amount)s.",
        "ja": "%(method)s で実行済みとして記録しました：%(amount)s。",
    },
    "It was not recorded: %(reason)s.": {
        "de": "Es wurde nicht erfasst: %(reason)s.",
        "fr": "Cela n’a pas été enregistré : %(reason)s.",
        "ja": "記録されませんでした：%(reason)s。",
    },
    "%(method)s did not answer whether it carried out the %(request)s of %(amount)s (asked %(when)s): it stays reserved until %(method)s reports it. Ask for it again: the same request is sent, which %(method)s never carries out twice.": {
        "de": "%(method)s hat nicht beantwortet, ob %(request)s über %(amount)s (angefragt %(when)s) ausgeführt wurde: Der Betrag bleibt reserviert, bis %(method)s sie meldet. Fragen Sie erneut an: Dieselbe Anfrage wird gesendet, die %(method)s nie zweimal ausführt.",
        "fr": "%(method)s n’a pas répondu sur l’exécution de la demande (%(request)s) de %(amount)s (demandée %(when)s) : le montant reste réservé jusqu’à ce que %(method)s la signale. Redemandez-la : la même demande est envoyée, que %(method)s n’exécute jamais deux fois.",
        "ja": "%(method)s から %(amount)s の %(request)s（依頼日時 %(when)s）を実行したかどうかの応答がありません：%(method)s から報告があるまで確保されたままです。再度依頼してください：同じリクエストが送信され、%(method)s が二重に実行することはありません。",
    },
    "%(method)s did not answer whether it carried out the %(request)s of %(amount)s (asked %(when)s): it stays reserved until you check the payment at %(method)s and confirm what it did.": {
        "de": "%(method)s hat nicht beantwortet, ob %(request)s über %(amount)s (angefragt %(when)s) ausgeführt wurde: Der Betrag bleibt reserviert, bis Sie die Zahlung bei %(method)s prüfen und bestätigen, was geschah.",
        "fr": "%(method)s n’a pas répondu sur l’exécution de la demande (%(request)s) de %(amount)s (demandée %(when)s) : le montant reste réservé jusqu’à ce que vous vérifiiez le paiement chez %(method)s et confirmiez ce qu’il a fait.",
        "ja": "%(method)s から %(amount)s の %(request)s（依頼日時 %(when)s）を実行したかどうかの応答がありません：%(method)s で支払いを確認し、結果を確認するまで確保されたままです。",
    },
    "Confirm Outcome": {"de": "Ergebnis bestätigen", "fr": "Confirmer le résultat", "ja": "結果を確認"},
    "Ask %(method)s Again": {"de": "Erneut bei %(method)s anfragen", "fr": "Redemander à %(method)s",
                             "ja": "%(method)s に再依頼"},
    "%(method)s did not answer whether it carried out the %(request)s of %(amount)s (asked %(when)s). It may have been made, so its amount stays reserved until %(method)s reports it. Asking again sends the same request: %(method)s carries it out at most once and answers what it did. Are you sure you want to continue?": {
        "de": "%(method)s hat nicht beantwortet, ob %(request)s über %(amount)s (angefragt %(when)s) ausgeführt wurde. Sie wurde möglicherweise ausgeführt, daher bleibt ihr Betrag reserviert, bis %(method)s sie meldet. Eine erneute Anfrage sendet dieselbe Anfrage: %(method)s führt sie höchstens einmal aus und antwortet, was geschah. Möchten Sie wirklich fortfahren?",
        "fr": "%(method)s n’a pas répondu sur l’exécution de la demande (%(request)s) de %(amount)s (demandée %(when)s). Elle a peut-être été effectuée, donc son montant reste réservé jusqu’à ce que %(method)s la signale. Redemander envoie la même demande : %(method)s l’exécute au plus une fois et répond ce qu’il a fait. Voulez-vous vraiment continuer ?",
        "ja": "%(method)s から %(amount)s の %(request)s（依頼日時 %(when)s）を実行したかどうかの応答がありませんでした。実行された可能性があるため、%(method)s から報告があるまで金額は確保されたままです。再度依頼すると同じリクエストが送信されます：%(method)s は多くても一度だけ実行し、行った内容を応答します。続行してもよろしいですか？",
    },
    "Yes, Ask Again": {"de": "Ja, erneut anfragen", "fr": "Oui, redemander", "ja": "はい、再依頼します"},
    "%(method)s did not answer whether it carried out the %(request)s of %(amount)s (asked %(when)s), so its amount stays reserved. Check the payment at %(method)s, then say what it did.": {
        "de": "%(method)s hat nicht beantwortet, ob %(request)s über %(amount)s (angefragt %(when)s) ausgeführt wurde; ihr Betrag bleibt daher reserviert. Prüfen Sie die Zahlung bei %(method)s und geben Sie dann an, was geschah.",
        "fr": "%(method)s n’a pas répondu sur l’exécution de la demande (%(request)s) de %(amount)s (demandée %(when)s) : son montant reste donc réservé. Vérifiez le paiement chez %(method)s, puis indiquez ce qu’il a fait.",
        "ja": "%(method)s から %(amount)s の %(request)s（依頼日時 %(when)s）を実行したかどうかの応答がないため、金額は確保されたままです。%(method)s で支払いを確認し、結果を入力してください。",
    },
    "%(method)s's reference of it, when it was made (optional).": {
        "de": "Die Referenz von %(method)s dafür, falls sie ausgeführt wurde (optional).",
        "fr": "La référence de %(method)s, si elle a été effectuée (facultatif).",
        "ja": "実行された場合の %(method)s の参照番号（任意）。",
    },
    "A %(request)s is recorded when %(method)s reports it; if %(method)s did not make it, say so to release its amount.": {
        "de": "Erfasst wird %(request)s, wenn %(method)s sie meldet; hat %(method)s sie nicht ausgeführt, geben Sie das an, um ihren Betrag freizugeben.",
        "fr": "La demande (%(request)s) est enregistrée quand %(method)s la signale ; si %(method)s ne l’a pas exécutée, indiquez-le pour libérer son montant.",
        "ja": "%(request)s は %(method)s から報告があったときに記録されます。%(method)s が実行しなかった場合は、その旨を入力して金額の確保を解除してください。",
    },
    "%(method)s reported the renewal of the authorization of %(amount)s, but the old authorization could not be released (%(reason)s). Cancel it at %(method)s so that the customer's card carries one hold.": {
        "de": "%(method)s hat die Erneuerung der Autorisierung über %(amount)s gemeldet, aber die alte Autorisierung konnte nicht freigegeben werden (%(reason)s). Stornieren Sie sie bei %(method)s, damit die Karte des Kunden nur eine Reservierung trägt.",
        "fr": "%(method)s a signalé le renouvellement de l’autorisation de %(amount)s, mais l’ancienne autorisation n’a pas pu être libérée (%(reason)s). Annulez-la chez %(method)s pour que la carte du client ne porte qu’une réservation.",
        "ja": "%(method)s から %(amount)s のオーソリの更新が報告されましたが、古いオーソリを解放できませんでした（%(reason)s）。顧客のカードの確保が一つになるよう、%(method)s で取り消してください。",
    },
    "Refund another amount instead: %(amount)s is not reserved.": {
        "de": "Stattdessen einen anderen Betrag erstatten: %(amount)s sind nicht reserviert.",
        "fr": "Rembourser plutôt un autre montant : %(amount)s ne sont pas réservés.",
        "ja": "代わりに別の金額を返金する：%(amount)s は確保されていません。",
    },
    "It Was Made": {"de": "Wurde ausgeführt", "fr": "Effectuée", "ja": "実行された"},
    "It Was Not Made": {"de": "Wurde nicht ausgeführt", "fr": "Non effectuée", "ja": "実行されなかった"},
}
