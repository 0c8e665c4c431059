#!/usr/bin/env python3
"""sqlmap over every parameter of every route of a running rdv server.

scripts/sqlmap.sh builds rdv, makes a small demo database, starts
`rdv serve` on a loopback port and runs this. Here:

1. The routes come from the route table (`go run ./scripts/routes`): the
   pages, the JSON API and the FHIR API, each with who may call it.
2. Each caller signs in as people do, over HTTP: staff with their
   password, then an authenticator app set up at /securite (TOTP, RFC
   6238, computed here) for the roles that must have one; a patient with
   the six-digit code sent to them, read from the operators' page of
   kept messages (no mail server in this run); a clinic's systems with an
   API token made on the portal's page.
3. The data the routes act on is made through the site itself: holds,
   appointments, a request, an exception, tokens, a webhook, a feed, a
   roster entry, a family member, a privacy incident.
4. Parameters are found where clients find them: the forms and links of
   every page each caller can open (crawled), the OpenAPI document's
   query parameters, headers and JSON bodies, and the FHIR
   CapabilityStatement's search parameters and operations. Every value
   is marked for sqlmap (`*`), and so is every path wildcard.
5. One sqlmap run per route and caller, in batch mode (more where a
   route's parameters do not go together: a form's unticked boxes, FHIR
   search parameters, one a run); then a summary: routes, parameters,
   requests, answers, and any injectable parameter.

Form tokens (`csrf`) are sent as the page gave them and not attacked: a
wrong one is refused (403) before any handler runs. Routes that end the
caller's own session run last, each with a caller of its own.
"""

import argparse
import base64
import concurrent.futures
import gzip
import hashlib
import hmac
import html.parser
import http.cookiejar
import json
import os
import re
import secrets
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

# A patient whose health number's letters fit the name and birth date
# (the card's rule): bookings and requests under it pass validation, so
# that payloads in the other fields reach as deep as they can.
PATIENT = {
    "first_name": "Camille", "last_name": "Bouchard", "birth_date": "1990-06-15",
    "health_number": "BOUC 9006 1512", "phone": "514-555-0142",
    "email": "camille.sqlmap@example.org", "language": "fr",
}
GUARDIAN = dict(PATIENT, relationship="parent")

# Roles whose pages need a second factor (rdv.Role.RequiresSecondFactor).
NEEDS_TOTP = {"operator", "agent", "clinic_admin"}

# Routes that change the whole platform for every other route (its
# modes: read-only, the waiting room): they run last, and the modes are
# set back after.
CHANGES_ALL = {"POST /operateur/modes"}

# Routes that end or change the caller's own session or account: they run
# after every other route, each with a caller signed in for it alone.
ENDS_SESSION = {
    "POST /deconnexion", "POST /compte/deconnexion", "POST /compte/fermer",
    "POST /securite/totp", "POST /securite/totp/confirmer", "POST /securite/totp/retirer",
    "POST /securite/codes", "POST /securite/sessions/{id}/revoquer",
}

# Fields never attacked: the form token, checked before any handler.
NOT_ATTACKED = {"csrf"}

# The working plan's form repeats one block's fields for every block of
# every day (d1b0_start, …, d0b1_rostered), all read by one loop
# (web/portal_plan.go): Monday's blocks are attacked, the other days'
# are sent as the page filled them.
REPEATED = re.compile(r"^d[02-6]b\d+_")

# Parameters every page takes and one function reads, attacked on the
# first route that has them: ?lang= (i18n.Lang, which takes "fr" or "en"
# and nothing else, on every page).
ONCE = {"lang"}

# The tests: those of --level 2 --risk 2 for SQLite and generic SQL, and
# SQLite's time-based and stacked tests, which sqlmap ranks at level 3
# but which are the ones that see a blind injection in a write (an
# INSERT or UPDATE whose answer looks the same either way). A test filter
# makes sqlmap run the tests it names whatever their level; --level still
# chooses the boundaries (the quotes and brackets around each payload).
TESTS = (r"^(AND boolean-based blind - WHERE or HAVING clause|Boolean-based blind - Parameter replace "
         r"\((original value|CASE|DUAL)\)|Generic (UNION query \(NULL\)|inline queries)|"
         r"SQLite > 2\.0 (AND time-based blind|stacked queries) \(heavy query)")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def totp(secret, at=None, step=30):
    """The RFC 6238 code of a base32 secret (SHA-1, 6 digits)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((at or time.time()) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    o = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


# ---------------------------------------------------------------- pages

class Form:
    def __init__(self, action, method, attrs=None):
        self.action, self.method, self.fields = action, method.upper(), []
        # Boxes left unticked: a browser sends nothing for them.
        self.unchecked = []
        # A passkey's form: its script first posts the same fields to
        # data-options, then the browser's answer as "credential".
        self.options = (attrs or {}).get("data-options")

    def values(self):
        return dict(self.fields)


class PageParser(html.parser.HTMLParser):
    """Forms (their fields with the values a browser would send), links,
    and the text of <code> elements (secrets and tokens shown once)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.links, self.codes = [], [], []
        self._form = self._select = None
        self._select_first = None
        self._textarea = None
        self._code = None
        self._buttons = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = Form(a.get("action") or "", a.get("method") or "get", a)
            self._buttons = set()
            self.forms.append(self._form)
        elif tag in ("a", "link") and a.get("href"):
            self.links.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.links.append(a["src"])
        elif tag == "code":
            self._code = ""
        f = self._form
        if f is None or not a.get("name"):
            if tag == "option" and self._select is not None:
                self._option(a)
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind == "checkbox":
                if "checked" in a:
                    f.fields.append((name, a.get("value") or "on"))
                else:
                    f.unchecked.append((name, a.get("value") or "on"))
            elif kind == "radio":
                # The one ticked, else the first.
                if "checked" in a:
                    f.fields = [(n, v) for n, v in f.fields if n != name]
                    f.fields.append((name, a.get("value") or "on"))
                elif not any(n == name for n, _ in f.fields):
                    f.fields.append((name, a.get("value") or "on"))
            elif kind in ("submit", "button", "image", "reset", "file"):
                if kind == "submit" and name not in self._buttons:
                    self._buttons.add(name)
                    f.fields.append((name, a.get("value") or ""))
            else:
                f.fields.append((name, a.get("value") or ""))
        elif tag == "button":
            if (a.get("type") or "submit") == "submit" and name not in self._buttons:
                self._buttons.add(name)
                f.fields.append((name, a.get("value") or ""))
        elif tag == "select":
            self._select, self._select_first = name, None
        elif tag == "textarea":
            self._textarea = [name, ""]

    def _option(self, a):
        v = a.get("value")
        if v is None:
            return
        if self._select_first is None or "selected" in a:
            if self._select_first is not None:
                self._form.fields = [(n, x) for n, x in self._form.fields if n != self._select]
            self._select_first = v
            self._form.fields.append((self._select, v))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data
        if self._code is not None:
            self._code += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            if self._form is not None:
                self._form.fields.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "code" and self._code is not None:
            self.codes.append(self._code.strip())
            self._code = None


def parse(body):
    p = PageParser()
    p.feed(body)
    return p


class Browser:
    """A cookie jar and the requests of one caller."""

    def __init__(self, base, name, headers=None):
        self.base, self.name = base, name
        self.jar = http.cookiejar.CookieJar()
        self.headers = dict(headers or {})
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, method, path, data=None, headers=None, ctype=None):
        url = path if path.startswith("http") else self.base + path
        h = dict(self.headers)
        h.update(headers or {})
        if ctype:
            h["Content-Type"] = ctype
        req = urllib.request.Request(url, data=data, method=method, headers=h)
        try:
            with self.opener.open(req, timeout=60) as r:
                return r.status, r.url, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.url, e.read().decode("utf-8", "replace")

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields):
        return self.request("POST", path, urllib.parse.urlencode(fields, doseq=True).encode(),
                            ctype="application/x-www-form-urlencoded")

    def json(self, method, path, obj=None, headers=None):
        data = None if obj is None else json.dumps(obj).encode()
        status, url, body = self.request(method, path, data, headers, "application/json" if data else None)
        try:
            return status, json.loads(body) if body else None
        except ValueError:
            return status, body

    def cookie_header(self):
        return "; ".join("%s=%s" % (c.name, c.value) for c in self.jar)

    def submit(self, page, action, values=None, nth=0):
        """Post the nth form of page whose action is action, with its own
        values (its form token among them) and values over them."""
        status, url, body = self.get(page)
        forms = [f for f in parse(body).forms if path_of(f.action) == action]
        if len(forms) <= nth:
            raise RuntimeError("%s: no form to %s on %s (%d)" % (self.name, action, page, status))
        v = forms[nth].values()
        v.update(values or {})
        return self.post(action, v)


def path_of(u):
    return urllib.parse.urlsplit(u).path


# -------------------------------------------------------------- routes

class Route:
    def __init__(self, e):
        self.pattern = e["pattern"]
        self.method, self.path = self.pattern.split(" ", 1)
        self.access, self.roles = e["access"], e.get("roles") or []
        self.scope, self.enrolment = e.get("scope", ""), e.get("enrolment", False)
        segs = self.path.strip("/").split("/") if self.path != "/{$}" else []
        self.segs = segs
        self.wildcards = [s[1:-1] for s in segs if s.startswith("{") and s != "{$}"]

    def match(self, path):
        parts = path.strip("/").split("/") if path != "/" else []
        if len(parts) != len(self.segs):
            return None
        values = {}
        for s, p in zip(self.segs, parts):
            if s.startswith("{"):
                if not p:
                    return None
                values[s[1:-1]] = urllib.parse.unquote(p)
            elif s != p:
                return None
        return values

    def literal_count(self):
        return sum(1 for s in self.segs if not s.startswith("{"))

    def fill(self, values):
        out = []
        for s in self.segs:
            if s.startswith("{"):
                out.append(urllib.parse.quote(str(values[s[1:-1]]), safe="$"))
            else:
                out.append(s)
        return "/" + "/".join(out)


class Table:
    def __init__(self, routes):
        self.routes = routes

    def lookup(self, method, path):
        best = None
        for r in self.routes:
            if r.method == method and r.match(path) is not None:
                if best is None or r.literal_count() > best.literal_count():
                    best = r
        return best


# ------------------------------------------------------------ the run

class Run:
    def __init__(self, args):
        self.args = args
        self.base = args.base.rstrip("/")
        self.table = Table([Route(json.loads(l)) for l in open(args.routes) if l.strip()])
        self.accounts = json.load(open(args.accounts))
        self.callers = {}      # name -> Browser
        self.recovery = {}     # name -> recovery codes
        self.seen = {}         # (caller, pattern) -> list of (path values, query dict)
        self.forms = {}        # (caller, pattern) -> list of field lists
        self.missing = []      # routes no page links to or posts to
        self.fell_back = []    # routes whose fields come from the templates
        self.once_done = set()  # ONCE's parameters attacked already
        self.unsent = []       # JSON fields the OpenAPI document names that no body carries
        self.given = {}        # route -> the appointment it acts on
        self.proposal = ""     # a proposal's id, once the matcher made one
        self.api_paths, self.api_query = {}, {}
        self._csrf = {}
        # Routes that only a sign-in under way reaches: the second step of
        # a staff sign-in, the code's page of a patient's.
        self.caller_override = {
            "GET /connexion/verification": "second", "POST /connexion/verification": "second",
            "POST /connexion/verification/cle/options": "second", "POST /connexion/verification/cle": "second",
            "GET /compte/code": "codestep", "POST /compte/code": "codestep",
        }
        # Values sent instead of what the page holds, by route.
        self.field_override, self.path_override = {}, {}
        # An operator ends every session of an account: another's.
        victim = next(a for a in self.accounts if a["use"] == "victim")
        self.path_override["POST /operateur/comptes/{id}/revoquer"] = {"id": victim["id"]}
        try:
            self.recovery = json.load(open(os.path.join(args.work, "recovery.json")))
        except FileNotFoundError:
            pass

    # -- signing in

    def staff(self, name, email, password, role):
        b = Browser(self.base, name)
        b.get("/connexion")
        status, url, body = b.submit("/connexion", "/connexion", {"email": email, "password": password})
        if path_of(url) == "/connexion/verification":
            # An app set up before: the second step, with a recovery code
            # (the app's code of this time step may be spent already).
            status, url, body = b.submit(path_of(url), "/connexion/verification", {"code": self.recovery[email].pop()})
            self.save()
        elif role in NEEDS_TOTP:
            page = b.get("/securite")[2]
            if any(path_of(f.action) == "/securite/totp" for f in parse(page).forms):
                b.submit("/securite", "/securite/totp")
            body = b.get("/securite/totp")[2]  # a set-up under way is taken up again
            secret = next(c.replace(" ", "") for c in parse(body).codes if re.fullmatch(r"[A-Z2-7 ]{16,}", c))
            status, url, body = b.submit("/securite/totp", "/securite/totp/confirmer", {"code": totp(secret)})
            self.recovery[email] = [c for c in parse(body).codes if c]
            self.save()
        home = {"operator": "/operateur", "agent": "/agent"}.get(role, "/clinique")
        status, url, body = b.get(home)
        if status != 200 or path_of(url) != home:
            raise RuntimeError("%s (%s) did not sign in: %d at %s" % (name, role, status, url))
        log("signed in: %s (%s)%s" % (name, role, ", authenticator app set up" if role in NEEDS_TOTP else ""))
        self.callers[name] = b
        return b

    def patient(self, name, email):
        """A patient signed in with the code sent to email, read from the
        operators' page of kept messages."""
        b = Browser(self.base, name)
        b.get("/compte/connexion")
        b.submit("/compte/connexion", "/compte/connexion", {"contact": email})
        op = self.callers["operator"]
        code = None
        for _ in range(240):
            status, url, body = op.get("/operateur/courriels?" + urllib.parse.urlencode({"statut": "gardes", "canal": "email"}))
            rows = re.findall(r'<tr id="message-(\d+)">(.*?)</tr>', body, re.S)
            ids = [int(i) for i, row in rows if email in row and "Code de connexion" in row]
            if ids:
                page = op.get("/operateur/courriels/%d" % max(ids))[2]
                m = re.search(r"\b(\d{6})\b", page[page.find("<pre>"):page.find("</pre>")])
                if m:
                    code = m.group(1)
                    break
            time.sleep(0.5)
        if not code:
            raise RuntimeError("no sign-in code for %s on the operators' page" % email)
        status, url, body = b.submit("/compte/code", "/compte/code", {"code": code})
        status, url, body = b.get("/mes-rendez-vous")
        if status != 200 or path_of(url) != "/mes-rendez-vous":
            raise RuntimeError("patient %s did not sign in: %d at %s" % (email, status, url))
        log("signed in: %s (patient, by code)" % name)
        self.callers[name] = b
        return b

    def boxes(self, b, page, name):
        """The values of every box named name on page, to tick them all."""
        out = []
        for f in parse(b.get(page)[2]).forms:
            out += [v for n, v in f.fields + f.unchecked if n == name]
        return out

    def spare(self, role):
        """An account of role this run has not used yet."""
        for a in self.accounts:
            if a["role"] == role and a["use"].startswith("spare") and not a.get("taken"):
                a["taken"] = True
                return a
        raise RuntimeError("no spare %s account left" % role)

    def save(self):
        """The recovery codes, for signing in again after this run (the
        run's directory is its own user's alone)."""
        with open(os.path.join(self.args.work, "recovery.json"), "w") as f:
            json.dump(self.recovery, f)

    # -- the data routes act on

    def slots(self, clinic, n):
        anon = self.callers["anon"]
        status, c = anon.json("GET", "/api/v1/clinics/%d" % clinic)
        near = "%s,%s" % (c["lat"], c["lon"])
        out = []
        for service in c.get("services") or ["general"]:
            q = urllib.parse.urlencode({"near": near, "radius_km": 0.2, "service": service, "limit": 100, "per_clinic": 0})
            status, res = anon.json("GET", "/api/v1/slots?" + q)
            out += [s for s in (res or {}).get("slots", []) if s["clinic"]["id"] == clinic]
            if len(out) >= n:
                break
        if len(out) < n:
            raise RuntimeError("clinic %d: %d free slots, want %d" % (clinic, len(out), n))
        return out

    def book(self, slot):
        anon = self.callers["anon"]
        status, h = anon.json("POST", "/api/v1/holds", {"slot_id": slot["id"]})
        if status != 201:
            raise RuntimeError("hold slot %s: %d %s" % (slot["id"], status, h))
        status, a = anon.json("POST", "/api/v1/appointments", {"hold_id": h["hold_id"], "patient": PATIENT})
        if status != 201:
            raise RuntimeError("book hold %s: %d %s" % (h["hold_id"], status, a))
        return a

    def setup(self):
        anon = Browser(self.base, "anon")
        anon.get("/")
        anon.get("/connexion")
        self.callers["anon"] = anon
        for a in self.accounts:
            if a["use"] == "main":
                self.staff(a["role"], a["email"], a["password"], a["role"])
        slots = self.slots(1, 60)
        self.slot_pool = slots[24:]
        self.appointments = [self.book(s) for s in slots[:24]]
        log("booked %d appointments at clinic 1" % len(self.appointments))
        self.patient("patient", PATIENT["email"])
        self.setup_staff_data()
        self.setup_request()

    def setup_staff_data(self):
        admin, op, desk, pat = (self.callers[n] for n in ("clinic_admin", "operator", "receptionist", "patient"))
        # An API token with every scope, shown once.
        status, url, body = admin.submit("/clinique/jetons", "/clinique/jetons", {"name": "sqlmap", "scopes": self.boxes(admin, "/clinique/jetons", "scopes")})
        tokens = re.findall(r'value="(rdvk_[A-Za-z0-9_-]{20,})"', body)
        if not tokens:
            raise RuntimeError("no API token shown: %d at %s" % (status, url))
        self.token = tokens[-1]
        self.callers["token"] = Browser(self.base, "token", {"Authorization": "Bearer " + self.token})
        # An exception through the API, as a clinic's admin does.
        practitioner = self.appointments[0]["slot"]["practitioner"]["id"]
        status, ex = admin.json("POST", "/api/v1/clinics/1/practitioners/%d/exceptions" % practitioner,
                                {"date": "2099-04-06", "all_day": True, "reason": "Congrès"},
                                {"X-CSRF-Token": self.csrf_of("clinic_admin")})
        if status != 201:
            raise RuntimeError("exception through the API: %d %s" % (status, ex))
        exceptions = "/api/v1/clinics/{clinic}/practitioners/{practitioner}/exceptions"
        for pattern in (exceptions, exceptions + "/preview", exceptions + "/{id}"):
            for m in ("GET ", "POST ", "DELETE "):
                self.api_paths[m + pattern] = {"clinic": 1, "practitioner": practitioner, "id": ex["exception"]["id"]}
        made = ["API token", "exception"]
        steps = [
            ("webhook", admin, "/clinique/webhooks", "/clinique/webhooks", {
                "url": "https://hooks.example.org/rdv", "events": self.boxes(admin, "/clinique/webhooks", "events")}),
            ("calendar feed", admin, "/clinique/calendriers", "/clinique/calendriers", {"name": "sqlmap"}),
            ("roster entry", desk, "/clinique/patients-inscrits", "/clinique/patients-inscrits", {
                k: PATIENT[k] for k in ("first_name", "last_name", "birth_date", "health_number")}),
            ("family member", pat, "/ma-famille", "/ma-famille", {
                k: CHILD[k] for k in ("first_name", "last_name", "birth_date", "health_number")}),
            ("privacy incident", op, "/operateur/incidents-confidentialite", "/operateur/incidents-confidentialite", {
                "description": "Essai", "data_concerned": "Nom", "people_concerned": "1",
                "risk_assessment": "Faible", "measures": "Aucune"}),
            ("banner", op, "/operateur", "/operateur/bandeau", {"banner_fr": "Essai", "banner_en": "Test"}),
        ]
        # Second ones, for the routes that revoke or remove one: the first
        # ones stay in use by the other routes.
        steps += [
            ("API token to revoke", admin, "/clinique/jetons", "/clinique/jetons", {
                "name": "sqlmap-revoke", "scopes": ["agenda:read"]}),
            ("webhook to remove", admin, "/clinique/webhooks", "/clinique/webhooks", {
                "url": "https://hooks.example.org/remove", "events": self.boxes(admin, "/clinique/webhooks", "events")}),
            ("calendar feed to revoke", admin, "/clinique/calendriers", "/clinique/calendriers", {"name": "sqlmap-revoke"}),
            ("family member to remove", pat, "/ma-famille", "/ma-famille", {
                "first_name": "Noé", "last_name": "Bouchard", "birth_date": "2016-05-10", "health_number": "BOUN 1605 1011"}),
        ]
        for what, b, page, action, values in steps:
            status, url, body = b.submit(page, action, values)
            if "avis=" in url or path_of(url) != path_of(page):
                made.append(what)
            else:
                log("setup: %s not made (%d at %s)" % (what, status, url))
            if what == "calendar feed":
                self.feeds = re.findall(r'(/calendrier/rdvc_[A-Za-z0-9_-]+\.ics)', body)
        log("made through the site: " + ", ".join(made))
        for pattern, b, page, row, mark in (
                ("POST /clinique/jetons/{id}/revoquer", admin, "/clinique/jetons", r'<tr id="token-(\d+)">(.*?)</tr>', "sqlmap-revoke"),
                ("POST /clinique/calendriers/{id}/revoquer", admin, "/clinique/calendriers", r'<tr id="feed-(\d+)">(.*?)</tr>', "sqlmap-revoke"),
                ("POST /clinique/webhooks/{id}/retirer", admin, "/clinique/webhooks", r'<tr id="endpoint-(\d+)">(.*?)</tr>', "/remove"),
                ("POST /ma-famille/{id}/retirer", pat, "/ma-famille", r'<li>(?:.*?)href="/ma-famille/(\d+)"(.*?)</li>', "Noé")):
            ids = [i for i, text in re.findall(row, b.get(page)[2], re.S) if mark in text]
            if ids:
                self.path_override[pattern] = {"id": ids[0]}
            else:
                log("setup: no %s to aim %s at" % (mark, pattern))

    def setup_request(self):
        anon = self.callers["anon"]
        body = {"patient": PATIENT, "service": "general", "place": "Montréal", "radius_km": 25,
                "scope": "own_clinic", "language": "fr"}
        status, r = anon.json("POST", "/api/v1/requests", body)
        if status not in (200, 201, 202):
            raise RuntimeError("request: %d %s" % (status, r))
        self.request = r
        # Another, for the routes that withdraw one.
        status, w = anon.json("POST", "/api/v1/requests", body)
        if status not in (200, 201, 202):
            raise RuntimeError("request: %d %s" % (status, w))
        self.path_override["POST /demande/{reference}/retirer"] = {"reference": w["reference"]}
        self.field_override["POST /demande/{reference}/retirer"] = {"token": w["token"]}
        self.withdrawn = w
        for m in ("GET ", "POST "):
            for tail in ("", "/accept", "/decline"):
                self.api_paths[m + "/api/v1/requests/{reference}" + tail] = {"reference": r["reference"]}
        self.api_paths["POST /api/v1/requests/{reference}/withdraw"] = {"reference": w["reference"]}
        self.api_query["GET /api/v1/requests/{reference}"] = {"token": r["token"]}
        self.api_paths["GET /api/v1/clinics/{id}"] = {"id": 1}
        log("appointment request filed: %s" % r.get("reference"))

    # -- the pages each caller can open, crawled for their forms and links

    def may(self, caller, route):
        """Whether caller is the one this run sends to route."""
        return self.caller_for(route) == caller

    def caller_for(self, route):
        if route.pattern in self.caller_override:
            return self.caller_override[route.pattern]
        if route.access == "staff":
            for role in ("receptionist", "clinic_admin", "agent", "operator"):
                if role in route.roles:
                    return role
        if route.access == "patient":
            return "patient"
        if route.access == "clinic_token":
            return "token"
        return "anon"

    def record(self, caller, page, method, href, fields, unchecked=()):
        u = urllib.parse.urlsplit(urllib.parse.urljoin(page, href))
        if u.netloc and u.netloc != urllib.parse.urlsplit(self.base).netloc:
            return None
        r = self.table.lookup(method, u.path or "/")
        if r is None:
            return None
        if method == "GET" and fields is None:
            fields = urllib.parse.parse_qsl(u.query, keep_blank_values=True)
        self.seen.setdefault(r.pattern, []).append({
            "caller": caller, "page": page, "path": u.path, "values": r.match(u.path), "fields": fields or [],
            "unchecked": list(unchecked)})
        return r, u

    def crawl(self, caller, seeds, limit=400, per_pattern=3):
        b = self.callers[caller]
        queue = list(seeds)
        for r in self.table.routes:
            if r.method == "GET" and not r.wildcards and self.may(caller, r) and not r.path.startswith(("/api/", "/fhir/", "/healthz", "/readyz")):
                queue.append(r.path.replace("{$}", ""))
        fetched, per = set(), {}
        while queue and len(fetched) < limit:
            url = queue.pop(0)
            if url in fetched:
                continue
            r = self.table.lookup("GET", path_of(url) or "/")
            if r is None or r.path.startswith(("/api/", "/fhir/", "/static/")) or r.path.endswith((".ics", ".csv}")):
                continue
            if per.get(r.pattern, 0) >= per_pattern:
                continue
            per[r.pattern] = per.get(r.pattern, 0) + 1
            fetched.add(url)
            status, final, body = b.get(url)
            self.record(caller, url, "GET", url, None)
            queue += self.record_page(caller, final, body)
        log("crawled %d pages as %s" % (len(fetched), caller))

    def record_page(self, caller, final, body):
        """Records the forms and links of a page; returns the addresses
        the crawl may open next."""
        more = []
        p = parse(body)
        for f in p.forms:
            action = f.action or path_of(final)
            fields = list(f.fields)
            if f.options:
                self.record(caller, final, "POST", f.options, list(fields))
                fields.append(("credential", FAKE_CREDENTIAL))
            got = self.record(caller, final, f.method, action, fields, f.unchecked)
            if got and f.method == "GET":
                route, u = got
                if self.may(caller, route):
                    more.append(u.path + "?" + urllib.parse.urlencode(f.fields))
        for href in p.links:
            got = self.record(caller, final, "GET", href, None)
            if got:
                route, u = got
                if self.may(caller, route) or route.access == "link":
                    more.append(urllib.parse.urlunsplit(("", "", u.path, u.query, "")))
        return more

    # -- targets

    def csrf_of(self, caller):
        """The caller's form token: bound to its session, or to its
        browser id when signed out, whatever page showed it."""
        if caller not in self._csrf:
            b = self.callers[caller]
            for page in ("/securite", "/compte", "/connexion", "/demande"):
                status, url, body = b.get(page)
                for f in parse(body).forms:
                    v = f.values().get("csrf")
                    if v:
                        self._csrf[caller] = v
                        return v
            self._csrf[caller] = ""
        return self._csrf[caller]

    def page_targets(self):
        """A target for each route of the pages whose forms or links the
        crawl saw: its path wildcards and every field marked."""
        out = []
        for r in self.table.routes:
            if r.path.startswith(("/api/", "/fhir/")) or r.pattern in ("GET /healthz", "GET /readyz"):
                continue
            inst = self.seen.get(r.pattern, [])
            if not inst:
                self.missing.append(r.pattern)
                continue
            caller = self.caller_for(r)
            # The instance with the most fields, found by this caller if any.
            inst = sorted(inst, key=lambda i: (i["caller"] != caller, -len(i["fields"])))
            values = dict(inst[0]["values"])
            values.update(self.path_override.get(r.pattern, {}))
            rotate = r.method == "POST" and "{hold}" not in r.path and r.path.startswith(
                ("/rendez-vous/{id}", "/mes-rendez-vous/{id}", "/clinique/rendez-vous/{id}"))
            if rotate:
                a = self.pool_appointment(r.pattern)
                values["id"] = a["id"]
            fields = list(inst[0]["fields"])
            names = {n for i in inst for n, _ in i["fields"]}
            for i in inst[1:]:  # query names other links of the route carry
                for n, v in i["fields"]:
                    if n in names and n not in {x for x, _ in fields}:
                        fields.append((n, v))
            fields = [(n, self.fill(n, v)) for n, v in fields]
            for n, v in self.field_override.get(r.pattern, {}).items():
                if n not in {x for x, _ in fields}:
                    fields.append((n, v))
                fields = [(x, v if x == n else y) for x, y in fields]
            if rotate:
                fields = [(n, a["cancel_token"] if n == "token" else v) for n, v in fields]
            if r.method == "POST":
                fields = [(n, self.csrf_of(caller) if n == "csrf" else v) for n, v in fields]
            out.append(self.target(r, caller, values, fields, "form"))
            # The boxes the page leaves unticked, ticked, in a run of their
            # own: the first keeps what a person sends by default.
            boxes = [(n, v) for n, v in inst[0]["unchecked"] if n not in {x for x, _ in fields}]
            if boxes:
                keep = {n for n, _ in boxes} | {"csrf"}
                t = self.target(r, caller, values, [(n, v) for n, v in fields] + boxes, "form",
                                attack=lambda n, keep=keep: n in keep and n != "csrf", path=False)
                t["boxes"] = True
                out.append(t)
        return out

    def fill(self, name, value):
        """A value a person would type, for a field the page left empty;
        empty when a person would leave it so (a filter, an option), so
        that the request as sent passes the handler's checks and each
        payload goes as far as a valid value would."""
        if value:
            return value
        guess = {
            "first_name": PATIENT["first_name"], "last_name": PATIENT["last_name"],
            "birth_date": PATIENT["birth_date"], "health_number": PATIENT["health_number"],
            "phone": PATIENT["phone"], "email": PATIENT["email"], "contact": PATIENT["email"],
            "lieu": "Montréal", "place": "Montréal", "q": "Montréal", "name": "sqlmap",
            "password": "not the password", "code": "000000", "reason": "Congrès",
            "url": "https://hooks.example.org/rdv", "description": "Essai", "data_concerned": "Nom",
            "people_concerned": "1", "risk_assessment": "Faible", "measures": "Aucune",
            "text_fr": "Service perturbé", "text_en": "Service disrupted", "banner_fr": "Avis",
            "banner_en": "Notice", "note": "Essai", "availability": "Lundi matin",
            "address": "1000, rue Sherbrooke Ouest", "city": "Montréal", "start": "23:00", "end": "23:30",
            "minutes": "15", "count": "1", "from": "2099-02-02", "until": "2099-02-03",
        }
        return guess.get(name, "")

    def target(self, r, caller, values, fields, kind, headers=None, body=None, attack=None, path=True):
        """One sqlmap run: every path wildcard and field marked with *,
        except the form token (or those attack names, without the path).
        Repeated names (a group of checkboxes) are attacked once."""
        marked, params, skipped = set(), [], False
        segs = []
        for s in r.segs:
            if s == "{$}":
                continue
            if s.startswith("{"):
                name = s[1:-1]
                segs.append(urllib.parse.quote(str(values[name]), safe="$") + ("*" if path else ""))
                if path:
                    params.append("path:" + name)
            else:
                segs.append(s)
        path = "/" + "/".join(segs)
        query = data = None
        parts = []
        for n, v in fields:
            enc = urllib.parse.quote_plus(n) + "=" + urllib.parse.quote_plus(str(v))
            once = n in ONCE and n in self.once_done
            skipped = skipped or once
            if n not in NOT_ATTACKED and not REPEATED.match(n) and not once and n not in marked and (attack is None or attack(n)):
                if n in ONCE:
                    self.once_done.add(n)
                marked.add(n)
                enc += "*"
                params.append(("query:" if r.method == "GET" else "form:") + n)
            parts.append(enc)
        if r.method == "GET" or r.method == "DELETE":
            query = "&".join(parts)
        else:
            data = "&".join(parts)
        if body is not None:
            data = body[0]
            params += body[1]
        for h in headers or []:
            if h.endswith("*"):
                params.append("header:" + h.split(":", 1)[0])
        url = self.base + path + ("?" + query if query else "")
        return {"route": r.pattern, "caller": caller, "method": r.method, "url": url, "data": data,
                "kind": kind, "headers": headers or [], "params": params, "once_skipped": skipped,
                "phase": 2 if r.pattern in ENDS_SESSION | CHANGES_ALL else 1}

    def fallbacks(self):
        """Forms that only a state this run does not reach shows: a hold
        that ran out, a passkey's second step (the account needs a
        passkey, which a browser's authenticator makes), a passkey to
        remove, a message that failed. Their fields are the templates'."""
        nonce = secrets.token_urlsafe(16)
        slot = self.slot_pool[-1]["id"] if self.slot_pool else 1
        made = {
            "POST /reservation/{hold}/prochain": ("anon", {"hold": getattr(self, "live_hold", "h_x")},
                                                  [("csrf", ""), ("slot_id", str(slot)), ("q", "service=general&lieu=Montr%C3%A9al"), ("cle", nonce)]),
            "POST /connexion/verification/cle/options": ("second", {}, [("csrf", "")]),
            "POST /connexion/verification/cle": ("second", {}, [("csrf", ""), ("credential", FAKE_CREDENTIAL)]),
            "POST /securite/cles/{id}/retirer": ("receptionist", {"id": "1"}, [("csrf", "")]),
            "POST /operateur/courriels/{id}/renvoyer": ("operator", {"id": "1"}, [("csrf", "")]),
            # Made again in the last phase, by phase_two.
            "POST /securite/totp/confirmer": ("operator", {}, [("csrf", ""), ("code", "000000")]),
        }
        for pattern, (caller, values, fields) in made.items():
            if pattern not in self.seen and caller in self.callers:
                self.seen[pattern] = [{"caller": caller, "page": "", "path": "", "values": values,
                                       "fields": fields, "unchecked": [], "fallback": True}]
                self.fell_back.append(pattern)

    def prepare_phase_two(self):
        """Callers of their own for the routes that end a session, close
        an account or set a second factor up, signed in now, before the
        other routes fill the outbox that carries sign-in codes."""
        self.patient("closing", "sqlmap-closing@example.org")
        a = self.spare("operator")
        b = Browser(self.base, "enrolling")
        b.get("/connexion")
        b.submit("/connexion", "/connexion", {"email": a["email"], "password": a["password"]})
        b.submit("/securite", "/securite/totp")
        self.callers["enrolling"] = b
        a = self.spare("operator")
        self.staff("sessions", a["email"], a["password"], "operator")
        other = Browser(self.base, "sessions-other", {"User-Agent": "another session"})
        other.get("/connexion")
        status, url, body = other.submit("/connexion", "/connexion", {"email": a["email"], "password": a["password"]})
        other.submit(path_of(url), "/connexion/verification", {"code": self.recovery[a["email"]].pop()})
        self.save()

    def phase_two(self, t):
        """t again, for its caller of its own (prepare_phase_two)."""
        r = self.route(t["route"])
        name, page = {
            "POST /compte/fermer": ("closing", "/compte/fermer"),
            "POST /securite/totp/confirmer": ("enrolling", "/securite/totp"),
            "POST /securite/sessions/{id}/revoquer": ("sessions", "/securite/sessions"),
        }.get(r.pattern, (None, None))
        if name is None:
            return t  # as it is: it only has to come last
        b = self.callers[name]
        status, url, body = b.get(page)
        forms = [f for f in parse(body).forms if r.match(path_of(f.action)) is not None]
        if r.pattern == "POST /securite/sessions/{id}/revoquer":
            # The other session's row, not this one's.
            rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
            row = next((x for x in rows if "another session" in x), "")
            forms = [f for f in forms if f.action in row]
        if not forms:
            raise RuntimeError("%s: no form on %s (%d at %s)" % (r.pattern, page, status, url))
        f = forms[0]
        fields = [(x, self.fill(x, v)) for x, v in f.fields]
        attack = None
        if t.get("boxes"):
            # Closing the account ends its session: from the first post
            # that closed it on, every other would be refused at its form
            # token before the handler. Sent as a box not ticked would be,
            # every payload reaches the handler, which then closes nothing.
            over = {"confirm": "0"} if r.pattern == "POST /compte/fermer" else {}
            fields += [(x, over.get(x, v)) for x, v in f.unchecked]
            keep = {x for x, _ in f.unchecked}
            attack = lambda x: x in keep
        nt = self.target(r, name, r.match(path_of(f.action)), fields, "form", attack=attack, path=not t.get("boxes"))
        nt["phase"], nt["boxes"] = 2, t.get("boxes", False)
        return nt

    # -- the JSON API, from its OpenAPI document

    def openapi_targets(self):
        anon = self.callers["anon"]
        status, doc = anon.json("GET", "/api/v1/openapi.json")

        def res(x):
            while isinstance(x, dict) and "$ref" in x:
                y = doc
                for p in x["$ref"].split("/")[1:]:
                    y = y[p]
                x = y
            return x

        out, headers_done = [], set()
        for path, ops in doc["paths"].items():
            for method, op in ops.items():
                if method == "parameters":
                    continue
                pattern = method.upper() + " " + path
                r = next((x for x in self.table.routes if x.pattern == pattern), None)
                if r is None:
                    raise RuntimeError("OpenAPI documents %s, which the route table lacks" % pattern)
                bodies = self.api_bodies(pattern)
                for body in bodies:
                    out.append(self.api_target(r, op, ops, res, body, headers_done))
                if "requestBody" in op:
                    schema = res(res(op["requestBody"])["content"]["application/json"]["schema"])
                    sent = set().union(*(leaves(b) for b in bodies if b))
                    for name in sorted(leaves_of_schema(schema, res) - sent):
                        self.unsent.append("%s %s" % (pattern, name))
        return out

    def api_target(self, r, op, ops, res, body, headers_done):
        caller = self.caller_for(r)
        if r.access == "staff":
            caller = "clinic_admin"
        values = dict(self.api_paths.get(r.pattern, {}))
        if r.path.startswith("/api/v1/appointments/{id}"):
            a = self.pool_appointment(r.pattern)
            values["id"] = a["id"]
            self.api_query[r.pattern] = {"token": a["cancel_token"]}
        fields, headers = [], []
        for p in [res(x) for x in op.get("parameters", []) + ops.get("parameters", [])]:
            name = p["name"]
            if p["in"] == "query":
                fields.append((name, self.api_query.get(r.pattern, {}).get(name) or QUERY_SAMPLES.get(name, "x")))
            elif p["in"] == "header":
                value = {"Accept-Language": "fr", "Idempotency-Key": secrets.token_hex(16)}.get(name, "x")
                if name == "X-CSRF-Token":
                    value = self.csrf_of(caller)
                # Each header is attacked once, on the first route that
                # takes it: the API reads each in one place.
                mark = name not in headers_done
                if name == "X-CSRF-Token" and r.method == "GET":
                    continue
                if mark:
                    headers_done.add(name)
                if name == "Idempotency-Key" and not mark:
                    continue  # a fixed key would replay the first answer
                headers.append("%s: %s%s" % (name, value, "*" if mark and name != "X-CSRF-Token" else ""))
        b = None
        if body is not None:
            b = marked_json(body)
        return self.target(r, caller, values, fields, "json", headers + (["Content-Type: application/json"] if b else []), b)

    def api_bodies(self, pattern):
        """The JSON bodies sent to a route: one that a client would send,
        with every field; more than one where fields exclude each other."""
        tomorrow = time.strftime("%Y-%m-%d", time.localtime(time.time() + 86400))
        hold = lambda: self.fresh_hold()
        appt = self.pool_appointment
        req = self.request
        bodies = {
            "POST /api/v1/holds": lambda: [{"slot_id": self.slot_pool.pop()["id"]}],
            "POST /api/v1/appointments": lambda: [
                {"hold_id": hold(), "patient": PATIENT, "notify": {"email": True, "sms": False}},
                {"hold_id": hold(), "patient": CHILD, "guardian": GUARDIAN, "notify": {"email": True, "sms": True}},
            ],
            "POST /api/v1/appointments/{id}/cancel": lambda: [{"token": appt("POST /api/v1/appointments/{id}/cancel")["cancel_token"]}],
            "POST /api/v1/appointments/{id}/reschedule": lambda: [
                {"token": appt("POST /api/v1/appointments/{id}/reschedule")["cancel_token"], "hold_id": hold()}],
            "POST /api/v1/requests": lambda: [dict(
                {"patient": PATIENT, "service": "general", "place": "Montréal", "radius_km": 25,
                 "availability": "Lundi matin", "child": False, "urgent": False, "from": tomorrow, "to": tomorrow,
                 "weekdays": "mon,tue,wed,thu,fri", "times": "morning", "language": "fr", "scope": "own_clinic",
                 "payment_token": ""}),
                {"patient": PATIENT, "service": "general", "lat": 45.5017, "lon": -73.5673, "radius_km": 25,
                 "scope": "network", "payment_token": "tok_visa"}],
            "POST /api/v1/requests/{reference}/accept": lambda: [{"token": req["token"], "proposal_id": self.proposal or "1"}],
            "POST /api/v1/requests/{reference}/decline": lambda: [{"token": req["token"], "proposal_id": self.proposal or "1"}],
            "POST /api/v1/requests/{reference}/withdraw": lambda: [{"token": self.withdrawn["token"], "proposal_id": ""}],
            "POST /api/v1/clinics/{clinic}/practitioners/{practitioner}/exceptions": lambda: [
                {"date": "2099-03-02", "until": "2099-03-03", "all_day": False, "start": "09:00", "end": "10:00", "reason": "Congrès"}],
            "POST /api/v1/clinics/{clinic}/practitioners/{practitioner}/exceptions/preview": lambda: [
                {"date": "2099-03-02", "until": "2099-03-03", "all_day": True, "start": "", "end": "", "reason": "Congrès"}],
        }
        return bodies[pattern]() if pattern in bodies else [None]

    def fresh_hold(self):
        status, h = self.callers["anon"].json("POST", "/api/v1/holds", {"slot_id": self.slot_pool.pop()["id"]})
        if status != 201:
            raise RuntimeError("hold: %d %s" % (status, h))
        return h["hold_id"]

    def pool_appointment(self, pattern):
        """An appointment of its own for a route that changes it, so that
        one route's cancellation does not change what another sees."""
        if pattern not in self.given:
            self.given[pattern] = self.appointments[len(self.given) % len(self.appointments)]
        return self.given[pattern]

    # -- the FHIR API, from its CapabilityStatement

    def fhir_targets(self):
        anon = self.callers["anon"]
        status, cs = anon.json("GET", "/fhir/metadata")
        out = []
        ids = {}
        for res in cs["rest"][0]["resource"]:
            typ = res["type"]
            if typ != "Appointment":
                status, bundle = anon.json("GET", "/fhir/%s?_count=1" % typ + ("&service-type=general" if typ == "Slot" else ""))
                for e in (bundle or {}).get("entry", []):
                    ids[typ] = e["resource"]["id"]
                    break
            search = next(r for r in self.table.routes if r.pattern == "GET /fhir/" + typ)
            samples = dict(FHIR_SAMPLES, schedule="Schedule/" + ids.get("Schedule", "1"))
            # One run per search parameter: some do not go together (a
            # Slot's schedule and its actor), and a search refused as a
            # whole would take no payload further than the refusal.
            for p in res.get("searchParam", []):
                out.append(self.target(search, "token" if typ == "Appointment" else "anon", {},
                                       [(p["name"], samples.get(p["name"], "1"))], "fhir"))
            read = next(r for r in self.table.routes if r.pattern == "GET /fhir/%s/{id}" % typ)
            if typ == "Appointment":
                a = self.pool_appointment("GET /fhir/Appointment/{id}")
                out.append(self.target(read, "anon", {"id": a["id"]}, [("token", a["cancel_token"])], "fhir"))
            else:
                out.append(self.target(read, "anon", {"id": ids.get(typ, "1")}, [], "fhir"))
        # $find's own values: a day, and the page its next link names.
        status, first = anon.json("GET", "/fhir/Appointment/$find?_count=1&visit-type=general")
        page = next((urllib.parse.parse_qs(urllib.parse.urlsplit(l["url"]).query).get("_page", ["1"])[0]
                     for l in (first or {}).get("link", []) if l.get("relation") == "next"), "1")
        samples = dict(FHIR_SAMPLES, start=time.strftime("%Y-%m-%d", time.localtime(time.time() + 86400)), _page=page)
        for n in self.find_params():
            find = [(n, samples.get(n, "1"))]
            if n == "_page":  # a page of the question its next link asks
                find = [("_count", "1"), ("visit-type", "general"), (n, page)]
            out.append(self.target(self.route("GET /fhir/Appointment/$find"), "anon", {}, find, "fhir",
                                   attack=lambda x, n=n: x == n))
            body = {"resourceType": "Parameters", "parameter": [{"name": x, "valueString": v} for x, v in find]}
            text, names = marked_json(body, skip={"resourceType", "name"})
            if n == "_page":
                unmarked = json.dumps(body, ensure_ascii=False)
                text, names = unmarked.replace('"%s"}]' % page, '"%s*"}]' % page), ["json:valueString"]
            out.append(self.target(self.route("POST /fhir/Appointment/$find"), "anon", {}, [], "fhir",
                                   ["Content-Type: application/fhir+json"], (text, names)))
        status, found = anon.json("GET", "/fhir/Appointment/$find?visit-type=general&_count=2&start=" +
                                  time.strftime("%Y-%m-%d", time.localtime(time.time() + 86400)))
        proposed = [e["resource"]["id"] for e in (found or {}).get("entry", []) if e["resource"].get("resourceType") == "Appointment"]
        if len(proposed) < 2:
            raise RuntimeError("$find proposed %d appointments" % len(proposed))
        hold = {"resourceType": "Parameters", "parameter": [
            {"name": "appointment-reference", "valueReference": {"reference": "Appointment/" + proposed[0]}}]}
        out.append(self.target(self.route("POST /fhir/Appointment/$hold"), "anon", {}, [], "fhir",
                               ["Content-Type: application/fhir+json"], marked_json(hold, skip={"resourceType", "name"})))
        status, held = anon.json("POST", "/fhir/Appointment/$hold", {"resourceType": "Parameters", "parameter": [
            {"name": "appointment-reference", "valueReference": {"reference": "Appointment/" + proposed[1]}}]})
        pending = [e["resource"]["id"] for e in (held or {}).get("entry", []) if e["resource"].get("resourceType") == "Appointment"]
        if not pending:
            raise RuntimeError("$hold: %d %s" % (status, held))
        book = {"resourceType": "Parameters", "parameter": [
            {"name": "appointment-reference", "valueReference": {"reference": "Appointment/" + pending[0]}},
            {"name": "patient-resource", "resource": FHIR_PATIENT}]}
        out.append(self.target(self.route("POST /fhir/Appointment/$book"), "anon", {}, [], "fhir",
                               ["Content-Type: application/fhir+json"],
                               marked_json(book, skip={"resourceType", "name"})))
        out.append(self.target(self.route("GET /fhir/$bulk-publish/{file}"), "anon", {"file": "Location.ndjson"}, [], "fhir"))
        for pattern in ("GET /fhir/metadata", "GET /fhir/$bulk-publish"):
            out.append(self.target(self.route(pattern), "anon", {}, [], "fhir"))
        return out

    def find_params(self):
        """$find's inputs, as fhir/operations.go reads them."""
        src = open(os.path.join(self.args.repo, "fhir", "operations.go")).read()
        m = re.search(r"var findParams = \[\]string\{([^}]*)\}", src)
        return re.findall(r'"([^"]+)"', m.group(1))

    def route(self, pattern):
        return next(r for r in self.table.routes if r.pattern == pattern)


def leaves(v, prefix=""):
    """The dotted names of v's values."""
    if isinstance(v, dict):
        return set().union(set(), *(leaves(x, prefix + k + ".") for k, x in v.items()))
    return {prefix[:-1]}


def leaves_of_schema(s, res, prefix=""):
    """The dotted names of the fields an OpenAPI schema describes."""
    s = res(s)
    if s.get("type") == "object" or "properties" in s:
        return set().union(set(), *(leaves_of_schema(x, res, prefix + k + ".") for k, x in s.get("properties", {}).items()))
    return {prefix[:-1]}


def marked_json(v, skip=(), key=None):
    """v as JSON text with every value marked for sqlmap (*), except the
    values of the keys in skip; and the names of the marked values."""
    names = []

    def walk(v, key):
        if isinstance(v, dict):
            return "{" + ", ".join(json.dumps(k) + ": " + walk(x, k) for k, x in v.items()) + "}"
        if isinstance(v, list):
            return "[" + ", ".join(walk(x, key) for x in v) + "]"
        text = json.dumps(v, ensure_ascii=False)
        if key in skip or v is None:
            return text
        names.append("json:" + str(key))
        return text[:-1] + '*"' if isinstance(v, str) else text + "*"

    return walk(v, key), names


# What a passkey's ceremony posts, made up: the server refuses it after
# reading it, which is as far as a payload in it goes.
FAKE_CREDENTIAL = json.dumps({"id": "AAAA", "rawId": "AAAA", "type": "public-key",
                              "response": {"clientDataJSON": "AAAA", "authenticatorData": "AAAA", "signature": "AAAA"}})

CHILD = dict(PATIENT, first_name="Léa", birth_date="2018-03-02", health_number="BOUL 1803 0211")

QUERY_SAMPLES = {
    "near": "45.47461,-73.53826", "place": "Montréal", "radius_km": "10", "service": "general",
    "from": time.strftime("%Y-%m-%d"), "to": time.strftime("%Y-%m-%d", time.localtime(time.time() + 7 * 86400)),
    "limit": "5", "per_clinic": "2", "weekdays": "mon,tue", "times": "morning", "language": "fr",
    "q": "Montr", "days": "7",
}

FHIR_SAMPLES = {
    "_id": "1", "name": "Clinique", "address-city": "Montréal", "near": "45.47461|-73.53826|10|km",
    "organization": "Organization/1", "practitioner": "Practitioner/1", "location": "Location/1",
    "service-type": "general", "actor": "Location/1", "start": "ge" + time.strftime("%Y-%m-%d"),
    "schedule": "Schedule/1", "schedule.actor": "Location/1", "status": "free",
    "schedule.actor:Location.near": "45.47461|-73.53826|10|km", "date": "ge" + time.strftime("%Y-%m-%d"),
    "slot": "Slot/1", "end": time.strftime("%Y-%m-%d", time.localtime(time.time() + 7 * 86400)),
    "visit-type": "general", "location-reference": "Location/1", "_count": "5", "_page": "1",
}

FHIR_PATIENT = {
    "resourceType": "Patient",
    "identifier": [{"system": "https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id",
                    "value": PATIENT["health_number"]}],
    "name": [{"family": PATIENT["last_name"], "given": [PATIENT["first_name"]]}],
    "birthDate": PATIENT["birth_date"],
    "telecom": [{"system": "phone", "value": PATIENT["phone"]}, {"system": "email", "value": PATIENT["email"]}],
}

# ------------------------------------------------------------ the flows

def flows(run):
    """The pages that exist only once something is under way: a hold on
    the booking form, a move under way, a staff booking, a waitlist, a
    blocked slot, the confirmation of a preview, a sign-in between its
    steps. Each is reached as a person reaches it; its address is a seed
    of the crawl, or its form is recorded as it comes."""
    anon, pat, op = run.callers["anon"], run.callers["patient"], run.callers["operator"]
    desk, agent, admin = run.callers["receptionist"], run.callers["agent"], run.callers["clinic_admin"]
    seeds = {c: [] for c in ("anon", "patient", "receptionist", "clinic_admin", "agent", "operator", "second", "codestep")}
    done = []

    def step(what, fn):
        try:
            fn()
            done.append(what)
        except (RuntimeError, StopIteration, KeyError, IndexError) as e:
            log("flow %s: %s" % (what, e))

    def booking_form():
        q = urllib.parse.urlencode({"service": "general", "lieu": "Montréal", "rayon": "10"})
        status, url, body = anon.submit("/recherche?" + q, "/reserver")
        seeds["anon"] += ["/recherche?" + q, path_of(url)]
        run.live_hold = path_of(url).rsplit("/", 1)[-1]

    def link_pages():
        a = run.pool_appointment("GET /rendez-vous/{id}")
        seeds["anon"].append("/rendez-vous/%d?token=%s" % (a["id"], a["cancel_token"]))
        m = run.pool_appointment("POST /rendez-vous/{id}/changer/{hold}")
        times = "/rendez-vous/%d/changer?token=%s" % (m["id"], m["cancel_token"])
        status, url, body = anon.submit(times, "/rendez-vous/%d/changer" % m["id"])
        u = urllib.parse.urlsplit(url)
        seeds["anon"] += [times, u.path + "?" + u.query]

    def patient_pages():
        m = run.pool_appointment("POST /mes-rendez-vous/{id}/changer/{hold}")
        status, url, body = pat.submit("/mes-rendez-vous/%d/changer" % m["id"], "/mes-rendez-vous/%d/changer" % m["id"])
        seeds["patient"].append(path_of(url))
        w = run.pool_appointment("POST /mes-rendez-vous/{id}/plus-tot/retirer")
        pat.submit("/mes-rendez-vous", "/mes-rendez-vous/%d/plus-tot" % w["id"])

    def staff_bookings():
        for b, home, book in ((desk, "/clinique", "/clinique/reserver"),
                              (agent, "/agent?" + urllib.parse.urlencode({"service": "general", "lieu": "Montréal"}), "/agent/reserver")):
            status, url, body = b.submit(home, book)
            hold = path_of(url)
            status, url, body = b.submit(hold, hold, {k: v for k, v in PATIENT.items() if k != "language"})
            if "/confirmation/" not in url:
                raise RuntimeError("%s: booking not confirmed (%d at %s)" % (b.name, status, url))
            seeds[b.name] += [home, path_of(url)]
            # Another hold, left on its form for the crawl.
            status, url, body = b.submit(home, book)
            seeds[b.name].append(path_of(url))

    def blocked_slot():
        page = desk.get("/clinique")[2]
        for slot in re.findall(r'href="(/clinique/creneau/\d+)"', page):
            forms = [f for f in parse(desk.get(slot)[2]).forms if path_of(f.action).endswith("/bloquer")]
            if forms:
                desk.post(forms[0].action, forms[0].values())
                seeds["receptionist"].append(slot)
                return
        raise RuntimeError("no free slot to block on the day view")

    def previews():
        status, url, body = admin.submit("/clinique/horaire/exceptions", "/clinique/horaire/exceptions/apercu",
                                         {"from": "2099-01-05", "until": "2099-01-06", "reason": "Congrès"})
        run.record_page("clinic_admin", url, body)
        if not any(path_of(f.action) == "/clinique/horaire/exceptions" and f.method == "POST" for f in parse(body).forms):
            raise RuntimeError("exception preview: no confirmation form (%d at %s)" % (status, url))
        today = time.strftime("%Y-%m-%d")
        status, url, body = op.submit("/operateur/incidents", "/operateur/incidents/apercu", {
            "text_fr": "Service perturbé", "text_en": "Service disrupted", "from_date": today, "from_time": "08:00",
            "to_date": today, "to_time": "17:00"})
        run.record_page("operator", url, body)
        if not any(path_of(f.action) == "/operateur/incidents" and f.method == "POST" for f in parse(body).forms):
            raise RuntimeError("incident preview: no confirmation form (%d at %s)" % (status, url))

    def proposal():
        # A time freed at clinic 1 is offered to the request.
        c = run.pool_appointment("proposal")
        anon.json("POST", "/api/v1/appointments/%d/cancel" % c["id"], {"token": c["cancel_token"]})
        req = run.request
        seeds["anon"].append("/demande/%s?token=%s" % (req["reference"], req["token"]))
        for _ in range(20):
            status, doc = anon.json("GET", "/api/v1/requests/%s?token=%s" % (req["reference"], req["token"]))
            prop = (doc or {}).get("proposal") or {}
            if prop.get("id"):
                run.proposal = str(prop["id"])
                return
            time.sleep(0.5)
        raise RuntimeError("no proposal made to request %s" % req["reference"])

    def sign_ins():
        # A staff sign-in between its two steps, and a patient's.
        spare = run.spare("operator")
        run.staff("enrolled", spare["email"], spare["password"], "operator")
        b = Browser(run.base, "second")
        b.get("/connexion")
        status, url, body = b.submit("/connexion", "/connexion", {"email": spare["email"], "password": spare["password"]})
        if path_of(url) != "/connexion/verification":
            raise RuntimeError("second step: %d at %s" % (status, url))
        run.callers["second"] = b
        seeds["second"].append("/connexion/verification")
        c = Browser(run.base, "codestep")
        c.get("/compte/connexion")
        status, url, body = c.submit("/compte/connexion", "/compte/connexion", {"contact": "sqlmap-codestep@example.org"})
        run.callers["codestep"] = c
        seeds["codestep"].append("/compte/code")
        seeds["operator"].append("/securite")  # its forms of an app set up
        signin = next(a for a in run.accounts if a["use"] == "signin")
        run.field_override["POST /connexion"] = {"email": signin["email"], "password": signin["password"]}

    for what, fn in (("booking form", booking_form), ("appointment links and a move", link_pages),
                     ("the patient's move and waitlist", patient_pages), ("desk and agent bookings", staff_bookings),
                     ("a blocked slot", blocked_slot), ("previews to confirm", previews), ("a proposal", proposal),
                     ("sign-ins between steps", sign_ins)):
        step(what, fn)
    for f in getattr(run, "feeds", [])[:1]:
        seeds["anon"].append(f)
    log("flows: " + ", ".join(done))
    return seeds


# ------------------------------------------------------------ sqlmap

TAMPER = '''"""Each payload from another address, and no fixed idempotency key.

The server runs with --trust-forwarded-for: the sign-in throttles, which
count failures per address and have no switch, see every payload come
from a new address, as a botnet's would.
"""
import random

from lib.core.enums import PRIORITY

__priority__ = PRIORITY.NORMAL


def dependencies():
    pass


def tamper(payload, **kwargs):
    headers = kwargs.get("headers", {})
    headers["X-Forwarded-For"] = "198.51.%d.%d" % (random.randint(0, 255), random.randint(1, 254))
    return payload
'''


def sqlmap(run, t, n, again=False):
    """Runs sqlmap on target t; returns what it found and sent."""
    out = os.path.join(run.args.work, "runs", "%03d%s" % (n, "-again" if again else ""))
    os.makedirs(out, exist_ok=True)
    b = run.callers[t["caller"]]
    cmd = ["sqlmap", "--batch", "--flush-session", "--disable-coloring", "--output-dir", out,
           "-t", os.path.join(out, "traffic.txt"), "--level", str(run.args.level), "--risk", str(run.args.risk),
           "--dbms", "SQLite", "--skip-waf", "--ignore-code", "401,404", "--drop-set-cookie",
           "--timeout", "60", "--retries", "1", "--tamper", run.tamper, "-u", t["url"]]
    if run.args.tests:  # empty: every test of --level and --risk
        cmd += ["--test-filter", run.args.tests]
    if t["method"] not in ("GET", "POST"):
        cmd += ["--method", t["method"]]
    if t["data"] is not None:
        cmd += ["--data", t["data"]]
    cookie = b.cookie_header()
    if cookie:
        cmd += ["--cookie", cookie]
    headers = ["%s: %s" % kv for kv in b.headers.items()] + t["headers"]
    if headers:
        cmd += ["--headers", "\n".join(headers)]
    began = time.time()
    with open(os.path.join(out, "sqlmap.log"), "w") as logf:
        logf.write(" ".join(json.dumps(c) if " " in c or "\n" in c else c for c in cmd) + "\n\n")
        logf.flush()
        try:
            p = subprocess.run(cmd, stdout=logf, stderr=subprocess.STDOUT, timeout=run.args.target_timeout)
            code = p.returncode
        except subprocess.TimeoutExpired:
            code = "timeout"
    text = open(os.path.join(out, "sqlmap.log"), errors="replace").read()
    statuses = {}
    traffic = os.path.join(out, "traffic.txt")
    try:
        with open(traffic, "rb") as f:
            raw = f.read()
        for m in re.finditer(rb"^HTTP response \[#\d+\] \((\d+)", raw, re.M):
            code = m.group(1).decode()
            statuses[code] = statuses.get(code, 0) + 1
        # Every request and answer, kept compressed: a tenth of the room.
        with gzip.open(traffic + ".gz", "wb") as f:
            f.write(raw)
        os.remove(traffic)
    except FileNotFoundError:
        pass
    # What sqlmap confirmed (its report of injection points), and what it
    # suspected first and then dismissed by its own false-positive check.
    injectable = re.findall(r"^Parameter: (.+)$", text, re.M)
    dismissed = re.findall(r"parameter '([^']+)' appears to be '([^']+)' injectable", text)
    tested = re.findall(r"testing for SQL injection on (.+? parameter '[^']+')", text)
    clean = "all tested parameters do not appear to be injectable" in text
    return dict(t, n=n, seconds=round(time.time() - began, 1), exit=code, requests=sum(statuses.values()),
                statuses=statuses, injectable=injectable, tested=tested, clean=clean and not injectable,
                dismissed=["%s (%s)" % d for d in dismissed],
                techniques=sorted(set(re.findall(r"\[INFO\] testing '([^']+)'", text))), log=os.path.relpath(out, run.args.work))


def attack(run, targets):
    results = []
    first = [t for t in targets if t["phase"] == 1]
    last = [t for t in targets if t["phase"] == 2]
    with concurrent.futures.ThreadPoolExecutor(max_workers=run.args.jobs) as pool:
        futures = {pool.submit(sqlmap, run, t, i + 1): t for i, t in enumerate(first)}
        for f in concurrent.futures.as_completed(futures):
            r = f.result()
            results.append(r)
            log("[%d/%d] %-60s %-12s %3d params %6d requests %s" % (
                len(results), len(targets), r["route"][:60], r["caller"], len(r["params"]), r["requests"],
                "INJECTABLE " + ", ".join(r["injectable"]) if r["injectable"] else ("clean" if r["clean"] else "see " + r["log"])))
    # A run that ended without a verdict (the connection lost, sqlmap
    # giving up) is run once more, alone.
    for k, r in enumerate(results):
        if not r["injectable"] and not r["clean"]:
            again = sqlmap(run, r, r["n"], again=True)
            again["rerun"] = True
            log("[again] %-60s %s" % (again["route"][:60], "clean" if again["clean"] else "see " + again["log"]))
            results[k] = again
    for i, t in enumerate(last):
        t = run.phase_two(t)
        r = sqlmap(run, t, len(first) + i + 1)
        if t["route"] in CHANGES_ALL:
            run.callers["operator"].post("/operateur/modes", {"csrf": run.csrf_of("operator")})  # both off again
        results.append(r)
        log("[%d/%d] %-60s %-12s %3d params %6d requests %s" % (
            len(results), len(targets), r["route"][:60], r["caller"], len(r["params"]), r["requests"],
            "INJECTABLE " + ", ".join(r["injectable"]) if r["injectable"] else ("clean" if r["clean"] else "see " + r["log"])))
    return sorted(results, key=lambda r: r["n"])


def summary(run, targets, results, began):
    routes = run.table.routes
    attacked = {r["route"] for r in results}
    statuses = {}
    for r in results:
        for k, v in r["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    params = sum(len(r["params"]) for r in results)
    kinds = {}
    for r in results:
        for p in r["params"]:
            k = p.split(":", 1)[0]
            kinds[k] = kinds.get(k, 0) + 1
    techniques = sorted({x for r in results for x in r["techniques"]})
    bad = [r for r in results if r["injectable"]]
    unsure = [r for r in results if not r["injectable"] and not r["clean"]]
    lines = [
        "sqlmap %s over rdv at %s, level %s, risk %s, DBMS SQLite, %s, %d sqlmap runs in %.0f s (%d at once)" % (
            SQLMAP_VERSION, run.base, run.args.level, run.args.risk,
            "the tests of --test-filter (scripts/sqlmap_run.py, TESTS)" if run.args.tests else "every test of the level and risk",
            len(results), time.time() - began, run.args.jobs),
        "routes in the route table: %d; attacked: %d; without a parameter of their own to attack: %d" % (
            len(routes), len(attacked), len(run.no_params)),
        "parameters attacked: %d (%s)" % (params, ", ".join("%s %d" % kv for kv in sorted(kinds.items()))),
        "requests sent: %d; answers: %s" % (sum(statuses.values()), ", ".join("%s %d" % kv for kv in sorted(statuses.items()))),
        "payload families tried: %d" % len(techniques),
        "injectable: %d%s" % (len(bad), "".join("\n  %s (%s): %s, see %s" % (r["route"], r["caller"], ", ".join(r["injectable"]), r["log"]) for r in bad)),
        "runs that did not finish clean: %d%s" % (len(unsure), "".join("\n  %s (%s): exit %s, see %s" % (r["route"], r["caller"], r["exit"], r["log"]) for r in unsure)),
        "runs that ended without a verdict and were run again: %d%s" % (
            sum(1 for r in results if r.get("rerun")),
            "".join("\n  %s (%s): %s" % (r["route"], r["caller"], "clean" if r["clean"] else "again without a verdict")
                    for r in results if r.get("rerun"))),
        "suspected, then dismissed by sqlmap's own false-positive check: %d%s" % (
            sum(len(r["dismissed"]) for r in results if not r["injectable"]),
            "".join("\n  %s (%s): %s, see %s" % (r["route"], r["caller"], "; ".join(r["dismissed"]), r["log"])
                    for r in results if r["dismissed"] and not r["injectable"])),
    ]
    uncovered = sorted({r.pattern for r in routes} - attacked - set(run.no_params) - set(run.missing))
    if uncovered:
        lines.append("routes in the table this run does not account for: " + ", ".join(uncovered))
    if run.unsent:
        lines.append("JSON fields of the OpenAPI document no body carried: " + ", ".join(run.unsent))
    if run.fell_back:
        lines.append("routes whose form no page showed, attacked with the template's fields: " + ", ".join(sorted(run.fell_back)))
    if run.lang_only:
        lines.append("routes whose one parameter is ?lang=, attacked on the first route that takes it: %d" % len(run.lang_only))
    none = sorted(set(run.no_params) - set(run.lang_only))
    if none:
        lines.append("routes without a parameter but the form token, or without any: " + ", ".join(none))
    if run.missing:
        lines.append("routes no page, document or flow reached (not attacked): " + ", ".join(sorted(run.missing)))
    text = "\n".join(lines)
    with open(os.path.join(run.args.work, "summary.txt"), "w") as f:
        f.write(text + "\n\nper route:\n")
        for r in results:
            f.write("%-70s %-12s %3d params %6d requests %-40s %s\n" % (
                r["route"], r["caller"], len(r["params"]), r["requests"],
                " ".join("%s:%d" % kv for kv in sorted(r["statuses"].items())),
                "INJECTABLE" if r["injectable"] else ("clean" if r["clean"] else "unsure")))
        f.write("\npayload families:\n" + "\n".join("  " + t for t in techniques) + "\n")
    with open(os.path.join(run.args.work, "results.json"), "w") as f:
        json.dump(results, f, indent=1, ensure_ascii=False)
    print(text)
    return 1 if bad or unsure else 0


SQLMAP_VERSION = ""


def main():
    global SQLMAP_VERSION
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--routes", required=True)
    ap.add_argument("--accounts", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--level", type=int, default=2)
    ap.add_argument("--risk", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=3)
    ap.add_argument("--target-timeout", type=int, default=600)
    ap.add_argument("--tests", default=TESTS, help="sqlmap's --test-filter; empty: every test of --level and --risk")
    ap.add_argument("--dry-run", action="store_true", help="print the targets, attack nothing")
    ap.add_argument("--only", default="", help="regular expression: attack only the routes it matches")
    args = ap.parse_args()
    began = time.time()
    SQLMAP_VERSION = subprocess.run(["sqlmap", "--version"], capture_output=True, text=True).stdout.split()[0]
    run = Run(args)
    os.makedirs(os.path.join(args.work, "tamper"), exist_ok=True)
    open(os.path.join(args.work, "tamper", "__init__.py"), "w").close()
    run.tamper = os.path.join(args.work, "tamper", "rdv_tamper.py")
    with open(run.tamper, "w") as f:
        f.write(TAMPER)
    run.setup()
    seeds = flows(run)
    run.prepare_phase_two()
    for caller in seeds:
        if caller in run.callers:
            run.crawl(caller, seeds[caller])
    run.fallbacks()
    targets = run.page_targets() + run.openapi_targets() + run.fhir_targets()
    run.no_params = sorted({t["route"] for t in targets} - {t["route"] for t in targets if t["params"]})
    run.lang_only = sorted({t["route"] for t in targets if t["once_skipped"]} & set(run.no_params))
    targets = [t for t in targets if t["params"]]
    if args.dry_run:
        json.dump(targets, sys.stdout, indent=1, ensure_ascii=False)
        log("missing: " + " | ".join(run.missing))
        log("no params: " + " | ".join(run.no_params))
        return
    if args.only:
        targets = [t for t in targets if re.search(args.only, t["route"])]
    with open(os.path.join(args.work, "targets.json"), "w") as f:
        json.dump(targets, f, indent=1, ensure_ascii=False)
    log("%d targets, %d parameters" % (len(targets), sum(len(t["params"]) for t in targets)))
    results = attack(run, targets)
    sys.exit(summary(run, targets, results, began))


if __name__ == "__main__":
    main()
