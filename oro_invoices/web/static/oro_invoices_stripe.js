/* The Stripe method's payment form (its PaymentPage.local_script, loaded after Stripe.js).

   The hand-over page's form carries data-publishable-key, data-client-secret and data-return-url,
   and the messages shown here in the page's language (data-message-*).
   This mounts Stripe's Payment Element into #oi-provider-element and, on Proceed with Payment,
   confirms the PaymentIntent with Stripe.js, which finishes 3-D Secure and sends the customer to
   the return URL. A declined card or a failed authentication goes to the return URL as well
   (redirect_status=failed), where the server reads the outcome from Stripe; an incomplete card is
   shown here. */
(function () {
  "use strict";
  var form = document.getElementById("oi-provider-form");
  if (!form || !form.dataset.clientSecret || !form.dataset.publishableKey || !form.dataset.returnUrl) {
    return;
  }
  var button = form.querySelector("button[type=submit]");
  var notice = document.createElement("div");
  notice.className = "oi-flash oi-flash--error";
  notice.id = "oi-provider-error";
  notice.setAttribute("role", "alert");
  notice.hidden = true;
  form.insertBefore(notice, form.firstChild);

  function show(message) {
    notice.textContent = message || "";
    notice.hidden = !message;
  }

  if (typeof window.Stripe !== "function") {
    show(form.dataset.messageNotLoaded || "The payment form could not be loaded. Please reload the page or try again later.");
    if (button) {
      button.disabled = true;
    }
    return;
  }
  var clientSecret = form.dataset.clientSecret;
  var stripe = window.Stripe(form.dataset.publishableKey);
  var elements = stripe.elements({clientSecret: clientSecret});
  elements.create("payment").mount("#oi-provider-element");

  // Where the server reads a payment that failed in the browser (as Stripe.js returns a success).
  function failedReturn(error) {
    var url = new URL(form.dataset.returnUrl, window.location.href);
    var intent = error.payment_intent && error.payment_intent.id;
    url.searchParams.append("payment_intent", intent || clientSecret.split("_secret_")[0]);
    url.searchParams.append("payment_intent_client_secret", clientSecret);
    url.searchParams.append("redirect_status", "failed");
    return url.toString();
  }

  function release(message) {
    show(message);
    if (button) {
      button.disabled = false;
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (button && button.disabled) {
      return;
    }
    if (button) {
      button.disabled = true;
    }
    show("");
    stripe.confirmPayment({elements: elements, confirmParams: {return_url: form.dataset.returnUrl}})
      .then(function (result) {
        var error = result && result.error;
        if (!error) {
          return;  // Stripe.js is taking the customer to the return URL
        }
        if (error.payment_intent || error.type === "card_error") {
          window.location.assign(failedReturn(error));
          return;
        }
        release(error.message || form.dataset.messageNotSent || "The payment could not be sent. Please check the card details.");
      }, function () {
        release(form.dataset.messageTryAgain || "The payment could not be sent. Please try again.");
      });
  });
})();
