// Improvements to pages that work without this file: the countdown of a
// held time, place suggestions as one types, a search near the person's
// position, live figures on the operators' load page, and staff passkeys.
// Each one looks
// for its elements and does nothing when they are absent. The words come from the page (data-* attributes), in
// its language.
"use strict";

(function () {
  // The countdown of the hold on the booking form. The server gives the
  // seconds left when it wrote the page: counting from there does not
  // depend on the device's clock being right.
  function countdown() {
    var held = document.getElementById("held");
    var timer = document.getElementById("held-timer");
    if (!held || !timer) return;
    var left = parseInt(held.getAttribute("data-seconds"), 10);
    if (isNaN(left)) return;
    var end = Date.now() + left * 1000;
    var warned = false;
    timer.hidden = false;
    function tick() {
      var s = Math.max(0, Math.ceil((end - Date.now()) / 1000));
      var text = Math.floor(s / 60) + "\u00a0min\u00a0" + String(s % 60).padStart(2, "0") + "\u00a0s";
      timer.textContent = held.getAttribute("data-left").replace("%s", text);
      if (s === 0) {
        // The paragraph is a live region: this is read out once.
        held.textContent = held.getAttribute("data-gone");
        held.classList.add("gone");
        timer.hidden = true;
        return;
      }
      if (s <= 60 && !warned) {
        warned = true;
        held.textContent = held.getAttribute("data-last");
      }
      setTimeout(tick, 250);
    }
    tick();
  }

  // Place suggestions: the field keeps its <datalist> (the browser shows
  // it and handles the keyboard); we fill it with the places that start
  // with what was typed, asked of the API a moment after typing stops.
  function suggestPlaces() {
    var input = document.querySelector("input[data-suggest]");
    if (!input || !window.fetch) return;
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    var url = input.getAttribute("data-suggest");
    var wait = 0, pending = null, last = "";
    input.addEventListener("input", function () {
      clearTimeout(wait);
      var q = input.value.trim();
      if (q.length < 2 || q === last) return;
      wait = setTimeout(function () {
        if (pending) pending.abort();
        pending = window.AbortController ? new AbortController() : null;
        fetch(url + "?limit=8&q=" + encodeURIComponent(q), {
          headers: { Accept: "application/json" },
          signal: pending ? pending.signal : undefined
        }).then(function (r) {
          return r.ok ? r.json() : null;
        }).then(function (body) {
          if (!body || !body.places || !body.places.length) return;
          last = q;
          var frag = document.createDocumentFragment();
          body.places.forEach(function (p) {
            var o = document.createElement("option");
            o.value = p.name;
            frag.appendChild(o);
          });
          list.replaceChildren(frag);
        }).catch(function () { /* the field still works as typed */ });
      }, 200);
    });
  }

  // "Near me": a button that only exists for browsers that can tell their
  // position. It fills the hidden "near" field and searches; typing a
  // place afterwards searches by place again.
  function nearMe() {
    var button = document.getElementById("near-me");
    var near = document.querySelector("input[name=near]");
    var place = document.getElementById("f-lieu");
    var status = document.getElementById("near-status");
    if (!button || !near || !place || !navigator.geolocation) return;
    button.hidden = false;
    place.addEventListener("input", function () { near.value = ""; });
    button.addEventListener("click", function () {
      status.textContent = button.getAttribute("data-wait");
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        // Three decimals place a person within a hundred metres: enough
        // to find the nearest clinics, no more.
        near.value = pos.coords.latitude.toFixed(3) + "," + pos.coords.longitude.toFixed(3);
        place.value = button.getAttribute("data-here");
        status.textContent = "";
        button.disabled = false;
        button.form.requestSubmit ? button.form.requestSubmit() : button.form.submit();
      }, function () {
        status.textContent = button.getAttribute("data-fail");
        button.disabled = false;
        place.focus();
      }, { maximumAge: 600000, timeout: 15000 });
    });
  }

  // Live figures (the operators' load page): every data-every seconds,
  // ask for the same page and put its #live part in place, without a
  // reload; the button pauses and resumes, and says so in a live region.
  function liveFigures() {
    var live = document.getElementById("live");
    var button = document.getElementById("live-toggle");
    var state = document.getElementById("live-state");
    if (!live || !button || !state || !window.fetch || !window.DOMParser) return;
    var every = parseInt(live.getAttribute("data-every"), 10) * 1000 || 5000;
    var timer = 0, paused = false;
    function later() { clearTimeout(timer); if (!paused) timer = setTimeout(update, every); }
    function update() {
      fetch(location.href, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (text) {
          var fresh = text && new DOMParser().parseFromString(text, "text/html").getElementById("live");
          if (fresh && !paused) live.innerHTML = fresh.innerHTML;
          later();
        })
        .catch(later);
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      paused = !paused;
      button.textContent = button.getAttribute(paused ? "data-resume" : "data-pause");
      state.textContent = button.getAttribute(paused ? "data-paused" : "data-resumed");
      if (paused) clearTimeout(timer); else update();
    });
    later();
  }

  // Passkeys (the security page adds one, a sign-in's second step uses
  // one): a form the server leaves hidden, shown where the browser has
  // WebAuthn. Sending it asks data-options for the ceremony's options,
  // hands them to the browser, and posts its answer (JSON, binary fields
  // in base64url) as the form's "credential" field, beside the form's own
  // fields and CSRF token; the server answers where to go, or why not.
  function b64url(buf) {
    var bytes = new Uint8Array(buf), s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function unb64url(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes.buffer;
  }
  function postForm(url, form, extra) {
    var body = new URLSearchParams(new FormData(form));
    for (var k in extra) body.set(k, extra[k]);
    return fetch(url, { method: "POST", credentials: "same-origin", body: body, headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (j) { if (!r.ok) throw j; return j; });
      });
  }
  function passkeys() {
    var form = document.querySelector("form[data-passkey]");
    var status = document.getElementById("passkey-status");
    if (!form || !status || !window.PublicKeyCredential || !window.fetch || !window.URLSearchParams) return;
    var create = form.getAttribute("data-passkey") === "create";
    form.hidden = false;
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      status.textContent = form.getAttribute("data-wait");
      postForm(form.getAttribute("data-options"), form, {}).then(function (o) {
        var pk = o.publicKey;
        pk.challenge = unb64url(pk.challenge);
        (pk.excludeCredentials || pk.allowCredentials || []).forEach(function (c) { c.id = unb64url(c.id); });
        if (create) {
          pk.user.id = unb64url(pk.user.id);
          return navigator.credentials.create({ publicKey: pk });
        }
        return navigator.credentials.get({ publicKey: pk });
      }).then(function (cred) {
        var r = cred.response;
        var out = { id: cred.id, rawId: b64url(cred.rawId), type: cred.type, response: { clientDataJSON: b64url(r.clientDataJSON) },
          clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {} };
        if (create) {
          out.response.attestationObject = b64url(r.attestationObject);
          if (r.getTransports) out.response.transports = r.getTransports();
        } else {
          out.response.authenticatorData = b64url(r.authenticatorData);
          out.response.signature = b64url(r.signature);
          if (r.userHandle) out.response.userHandle = b64url(r.userHandle);
        }
        return postForm(form.action, form, { credential: JSON.stringify(out) });
      }).then(function (j) {
        var to = String(j.redirect);
        if (to.charAt(0) !== "/" || to.charAt(1) === "/") throw j;
        location.assign(to);
      }).catch(function (err) {
        status.textContent = (err && err.error) || form.getAttribute("data-fail");
      });
    });
  }

  // A page that answers a form post (the booking form with its messages,
  // a hold that ran out) names its own address: put in the history in
  // place of the post, Back and reload come to it by a plain GET and
  // never ask to send the form again. The server keeps what was typed.
  function ownAddress() {
    var el = document.querySelector("[data-page-url]");
    var url = el && el.getAttribute("data-page-url");
    if (url && url.charAt(0) === "/" && url.charAt(1) !== "/" && window.history && history.replaceState) {
      history.replaceState(null, "", url);
    }
  }

  countdown();
  ownAddress();
  suggestPlaces();
  nearMe();
  liveFigures();
  passkeys();
})();
