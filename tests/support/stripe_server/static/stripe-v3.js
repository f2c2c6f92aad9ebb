/*
 * A stand-in for Stripe.js v3 (https://docs.stripe.com/js), served by the local Stripe test server at
 * /js.stripe.com/v3/. It talks to that server the way Stripe.js talks to api.stripe.com: form-encoded
 * POSTs carrying the publishable key (`key`) and the intent's `client_secret`.
 *
 * Offers: Stripe(pk).elements([{clientSecret}]) with `card` and `payment` elements (five inputs whose
 * placeholders are number, exp_month, exp_year, cvc, postal_code), confirmCardPayment,
 * confirmPayment (redirects to return_url?payment_intent=…&payment_intent_client_secret=…&redirect_status=…),
 * handleCardAction / handleNextAction, retrievePaymentIntent, createPaymentMethod and createToken.
 * Cards that need 3-D Secure open a dialog ("Complete authentication" / "Fail authentication")
 * finished through POST /v1/payment_intents/{id}/_authenticate?success=true|false.
 */
(function () {
  'use strict';

  const API = document.currentScript.src.replace(/\/js\.stripe\.com\/v3\/?(\?.*)?$/, '');

  class IntegrationError extends Error {
    constructor(message) { super(message); this.name = 'IntegrationError'; }
  }

  function formEncode(data, prefix, out) {
    Object.keys(data).forEach((key) => {
      const value = data[key];
      if (value === undefined || value === null) return;
      const name = prefix ? `${prefix}[${key}]` : key;
      if (typeof value === 'object') formEncode(value, name, out);
      else out.push(`${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`);
    });
    return out;
  }

  async function call(method, path, data) {
    const encoded = formEncode(data, '', []).join('&');
    const init = method === 'GET' ? {method} : {
      method, body: encoded, headers: {'Content-Type': 'application/x-www-form-urlencoded'}};
    const url = API + path + (method === 'GET' ? (path.includes('?') ? '&' : '?') + encoded : '');
    let response;
    try {
      response = await fetch(url, init);
    } catch (err) {
      return {error: {type: 'api_connection_error', message: `Could not reach the Stripe server: ${err}`}};
    }
    const body = await response.json().catch(() => null);
    if (!response.ok || !body || body.error) {
      return {error: (body && body.error) || {type: 'api_error', message: `Stripe answered ${response.status}`}};
    }
    return {body};
  }

  function intentId(clientSecret) {
    const match = /^(pi_[A-Za-z0-9]+)_secret_/.exec(clientSecret || '');
    if (!match) throw new IntegrationError(`Invalid value for clientSecret: ${clientSecret}`);
    return match[1];
  }

  function redirectStatus(intent) {
    if (intent.status === 'succeeded' || intent.status === 'requires_capture') return 'succeeded';
    return intent.status === 'processing' ? 'processing' : 'failed';
  }

  function returnLocation(returnUrl, intent, clientSecret) {
    const url = new URL(returnUrl, window.location.href);
    url.searchParams.append('payment_intent', intent.id);
    url.searchParams.append('payment_intent_client_secret', clientSecret);
    url.searchParams.append('redirect_status', redirectStatus(intent));
    return url.toString();
  }

  function formatAmount(intent) {
    return `${(intent.amount / 100).toFixed(2)} ${String(intent.currency).toUpperCase()}`;
  }

  /* The 3-D Secure challenge: resolves true (completed) or false (failed). */
  function challenge(intent) {
    return new Promise((resolve) => {
      const dialog = document.createElement('div');
      dialog.setAttribute('role', 'dialog');
      dialog.setAttribute('aria-modal', 'true');
      dialog.setAttribute('aria-label', '3D Secure authentication');
      Object.assign(dialog.style, {
        position: 'fixed', inset: '0', background: 'rgba(0,0,0,.5)', display: 'flex',
        alignItems: 'center', justifyContent: 'center', zIndex: '2147483647'});
      const box = document.createElement('div');
      Object.assign(box.style, {background: '#fff', padding: '20px', maxWidth: '360px', textAlign: 'center'});
      const title = document.createElement('h2');
      title.textContent = '3D Secure authentication';
      const text = document.createElement('p');
      text.textContent = `Test payment of ${formatAmount(intent)}. Complete or fail the authentication.`;
      box.append(title, text);
      [['Complete authentication', true], ['Fail authentication', false]].forEach(([label, result]) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.textContent = label;
        button.addEventListener('click', () => { dialog.remove(); resolve(result); });
        box.append(button);
      });
      dialog.append(box);
      document.body.append(dialog);
    });
  }

  const FIELDS = [
    ['number', 'Card number', 'cc-number', 19], ['exp_month', 'Expiration month (MM)', 'cc-exp-month', 2],
    ['exp_year', 'Expiration year (YY)', 'cc-exp-year', 4], ['cvc', 'CVC', 'cc-csc', 4],
    ['postal_code', 'Postal code', 'postal-code', 10]];

  class Element {
    constructor(group, type) {
      this._group = group;
      this._type = type;
      this._listeners = {};
      this._inputs = null;
      this._root = null;
    }

    mount(target) {
      const parent = typeof target === 'string' ? document.querySelector(target) : target;
      if (!(parent instanceof window.Element)) {
        throw new IntegrationError('Invalid DOM element. Make sure to call mount() with a valid DOM element or selector.');
      }
      if (this._root) throw new IntegrationError('This Element is already mounted.');
      this._root = document.createElement('div');
      this._root.className = 'StripeElement';
      this._inputs = {};
      FIELDS.forEach(([name, label, autocomplete, size]) => {
        const input = document.createElement('input');
        Object.assign(input, {type: 'text', name, placeholder: name, size, autocomplete});
        input.setAttribute('aria-label', label);
        input.setAttribute('inputmode', name === 'postal_code' ? 'text' : 'numeric');
        input.addEventListener('input', () => this._emit('change', this._state()));
        input.addEventListener('focus', () => this._emit('focus', {elementType: this._type}));
        input.addEventListener('blur', () => this._emit('blur', {elementType: this._type}));
        this._inputs[name] = input;
        this._root.append(input);
      });
      parent.append(this._root);
      setTimeout(() => this._emit('ready', {elementType: this._type}), 0);
      return this;
    }

    unmount() { if (this._root) this._root.remove(); this._root = null; this._inputs = null; }
    destroy() { this.unmount(); this._group._elements.delete(this._type); }
    on(event, handler) { (this._listeners[event] = this._listeners[event] || []).push(handler); return this; }
    off(event, handler) { this._listeners[event] = (this._listeners[event] || []).filter((h) => h !== handler); return this; }
    focus() { if (this._inputs) this._inputs.number.focus(); }
    blur() { if (document.activeElement && this._root && this._root.contains(document.activeElement)) document.activeElement.blur(); }
    clear() { if (this._inputs) Object.values(this._inputs).forEach((input) => { input.value = ''; }); }
    update() {}
    _emit(event, payload) { (this._listeners[event] || []).forEach((handler) => handler(payload)); }

    _values() {
      if (!this._inputs) throw new IntegrationError('The Element is not mounted.');
      const v = (name) => this._inputs[name].value.trim();
      const year = v('exp_year');
      return {number: v('number').replace(/[\s-]/g, ''), exp_month: v('exp_month'),
              exp_year: year.length === 2 ? `20${year}` : year, cvc: v('cvc'), postal_code: v('postal_code')};
    }

    /* {card} ready to send, or {error} as Stripe.js reports an incomplete card. */
    _card() {
      const c = this._values();
      const invalid = (code, message) => ({error: {type: 'validation_error', code, message}});
      if (!/^\d{15,16}$/.test(c.number)) return invalid('incomplete_number', 'Your card number is incomplete.');
      if (!/^\d{1,2}$/.test(c.exp_month) || +c.exp_month < 1 || +c.exp_month > 12 || !/^\d{4}$/.test(c.exp_year)) {
        return invalid('incomplete_expiry', "Your card's expiration date is incomplete.");
      }
      if (!/^\d{3,4}$/.test(c.cvc)) return invalid('incomplete_cvc', "Your card's security code is incomplete.");
      return {card: {number: c.number, exp_month: c.exp_month, exp_year: c.exp_year, cvc: c.cvc},
              postal_code: c.postal_code};
    }

    _state() {
      const values = this._values();
      const checked = this._card();
      return {elementType: this._type, empty: !Object.values(values).some(Boolean),
              complete: !checked.error, error: undefined, brand: values.number.startsWith('4') ? 'visa' : 'unknown',
              value: {postalCode: values.postal_code}};
    }
  }

  class Elements {
    constructor(options) {
      this._clientSecret = (options || {}).clientSecret;
      this._elements = new Map();
    }

    create(type) {
      if (type !== 'card' && type !== 'payment') {
        throw new IntegrationError(`The Stripe stand-in offers card and payment elements, not ${type}.`);
      }
      if (this._elements.has(type)) throw new IntegrationError(`Can only create one Element of type ${type}.`);
      const element = new Element(this, type);
      this._elements.set(type, element);
      return element;
    }

    getElement(type) { return this._elements.get(type) || null; }
    update() {}
    fetchUpdates() { return Promise.resolve({}); }

    async submit() {
      const element = this.getElement('payment') || this.getElement('card');
      if (!element) throw new IntegrationError('elements.submit() needs a mounted payment element.');
      const checked = element._card();
      return checked.error ? {error: checked.error} : {};
    }
  }

  /* payment_method_data for a card Element or a {token} card, and its billing details. */
  function cardData(card, billingDetails) {
    if (card instanceof Element) {
      const checked = card._card();
      if (checked.error) return checked;
      const billing = Object.assign({}, billingDetails || {});
      if (checked.postal_code) billing.address = Object.assign({postal_code: checked.postal_code}, billing.address || {});
      return {data: {type: 'card', card: checked.card, billing_details: billing}};
    }
    if (card && card.token) return {data: {type: 'card', card: {token: card.token}, billing_details: billingDetails}};
    throw new IntegrationError('payment_method.card must be a card Element or {token}.');
  }

  class StripeStandIn {
    constructor(key) {
      this._key = key;
    }

    elements(options) { return new Elements(options); }

    async _authenticate(intent, clientSecret) {
      const completed = await challenge(intent);
      const result = await call('POST', `/v1/payment_intents/${intent.id}/_authenticate?success=${completed}`,
                                {key: this._key, client_secret: clientSecret});
      if (result.error) return {error: result.error};
      const after = result.body;
      if (after.last_payment_error) return {error: Object.assign({}, after.last_payment_error, {payment_intent: after})};
      return {paymentIntent: after};
    }

    async _confirm(clientSecret, params, handleActions) {
      const result = await call('POST', `/v1/payment_intents/${intentId(clientSecret)}/confirm`,
                                Object.assign({key: this._key, client_secret: clientSecret, use_stripe_sdk: true}, params));
      if (result.error) return {error: result.error};
      if (result.body.status === 'requires_action' && handleActions) return this._authenticate(result.body, clientSecret);
      return {paymentIntent: result.body};
    }

    async confirmCardPayment(clientSecret, data, options) {
      data = data || {};
      const params = {return_url: data.return_url, receipt_email: data.receipt_email};
      const method = data.payment_method;
      if (typeof method === 'string') {
        params.payment_method = method;
      } else if (method) {
        const built = cardData(method.card, method.billing_details);
        if (built.error) return {error: built.error};
        params.payment_method_data = built.data;
      }
      return this._confirm(clientSecret, params, !(options && options.handleActions === false));
    }

    async confirmPayment(options) {
      const {elements, confirmParams = {}, redirect = 'always'} = options || {};
      const clientSecret = (options || {}).clientSecret || (elements && elements._clientSecret);
      if (!elements) throw new IntegrationError('confirmPayment: the elements option is required.');
      if (!clientSecret) throw new IntegrationError('confirmPayment: pass clientSecret to elements() or confirmPayment().');
      if (redirect !== 'if_required' && !confirmParams.return_url) {
        throw new IntegrationError('confirmPayment: confirmParams.return_url is required.');
      }
      const element = elements.getElement('payment') || elements.getElement('card');
      if (!element) throw new IntegrationError('confirmPayment: create and mount a payment element first.');
      const pmData = confirmParams.payment_method_data || {};
      const built = cardData(element, pmData.billing_details);
      if (built.error) return {error: built.error};
      const result = await this._confirm(clientSecret, {
        payment_method_data: built.data, return_url: confirmParams.return_url,
        receipt_email: confirmParams.receipt_email}, true);
      if (result.error || redirect === 'if_required') return result;
      window.location.assign(returnLocation(confirmParams.return_url, result.paymentIntent, clientSecret));
      return new Promise(() => {});  // the page is leaving, as with Stripe.js
    }

    async retrievePaymentIntent(clientSecret) {
      const result = await call('GET', `/v1/payment_intents/${intentId(clientSecret)}`,
                                {key: this._key, client_secret: clientSecret});
      return result.error ? {error: result.error} : {paymentIntent: result.body};
    }

    async handleCardAction(clientSecret) {
      const retrieved = await this.retrievePaymentIntent(clientSecret);
      if (retrieved.error) return retrieved;
      if (retrieved.paymentIntent.status !== 'requires_action') {
        return {error: {type: 'invalid_request_error', code: 'payment_intent_unexpected_state',
                        message: `The PaymentIntent has a status of ${retrieved.paymentIntent.status}, not requires_action.`,
                        payment_intent: retrieved.paymentIntent}};
      }
      return this._authenticate(retrieved.paymentIntent, clientSecret);
    }

    handleNextAction(options) { return this.handleCardAction((options || {}).clientSecret); }

    async createPaymentMethod(options) {
      options = options || {};
      let built;
      if (options.elements) {
        const element = options.elements.getElement('payment') || options.elements.getElement('card');
        built = cardData(element, ((options.params || {}).billing_details));
      } else {
        if (options.type !== 'card') throw new IntegrationError('createPaymentMethod: type must be card.');
        built = cardData(options.card, options.billing_details);
      }
      if (built.error) return {error: built.error};
      const result = await call('POST', '/v1/payment_methods', Object.assign({key: this._key}, built.data));
      return result.error ? {error: result.error} : {paymentMethod: result.body};
    }

    async createToken(element) {
      if (!(element instanceof Element)) throw new IntegrationError('createToken: pass a card Element.');
      const checked = element._card();
      if (checked.error) return {error: checked.error};
      const result = await call('POST', '/v1/tokens', {key: this._key, card: checked.card});
      return result.error ? {error: result.error} : {token: result.body};
    }
  }

  window.Stripe = function Stripe(key) {
    if (typeof key !== 'string' || !key.startsWith('pk_')) {
      throw new IntegrationError('Stripe(): pass your publishable key (pk_…).');
    }
    return new StripeStandIn(key);
  };
  window.Stripe.version = 3;
})();
