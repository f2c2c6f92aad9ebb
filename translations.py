{  # noqa: B018
    "Must be more than 0 and at most %(amount)s, what remains of the payment besides what a request whose answer was lost reserves. %(reserved)s": {
        "de": "Muss größer als 0 und höchstens %(amount)s sein, was von der Zahlung neben dem bleibt, was eine Anfrage ohne Antwort reserviert. %(reserved)s",
        "fr": "Doit être supérieur à 0 et au plus %(amount)s, ce qui reste du paiement en dehors de ce que réserve une demande restée sans réponse. %(reserved)s",
        "ja": "0 より大きく、 %(amount)s 以下である必要があります。これは、応答のなかった依頼が確保している分を除いた支払いの残りです。 %(reserved)s",
    },
}
