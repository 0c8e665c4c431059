package web

import (
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"rdv"
	"rdv/webhook"
)

// The clinic's webhook endpoints: added with an https address and the
// events they hear of, their signing secret shown once; removed; and the
// log of the latest deliveries, with where each stands, so that an admin
// sees an endpoint that fails before its system misses a day.

// hookFields are the endpoint form's fields with their labels, in order.
var hookFields = []labelled{{"url", "hooks.url"}, {"events", "hooks.events"}}

// hookLogShown is how many deliveries the log shows.
const hookLogShown = 50

// hookRow is an endpoint as the page lists it.
type hookRow struct {
	ID      int64
	URL     string
	Events  []string
	Created string
}

// deliveryRow is a delivery of the log.
type deliveryRow struct {
	When        string
	Event       string
	Appointment int64
	URL         string
	Status      rdv.DeliveryStatus
	StatusText  string
	Attempts    int
	Answer      string // the last status code and error, if any
}

// portalHooksData is what the webhooks page shows.
type portalHooksData struct {
	Clinic     rdv.Clinic
	Events     []choice
	Endpoints  []hookRow
	Deliveries []deliveryRow
	LogShown   int
	Secret     *shownSecret
}

// portalHooks lists the clinic's endpoints and deliveries with the form
// to add an endpoint.
func (s *Server) portalHooks(w http.ResponseWriter, r *http.Request) {
	_, c, ok := s.staffClinic(w, r)
	if !ok {
		return
	}
	f := s.integDraft(w, r, hooksPath, hookFields)
	if f == nil {
		f = newForm(url.Values{"events": eventNames(rdv.EventTypes)})
	}
	s.renderHooks(w, r, http.StatusOK, c, f, s.takeSecret(w, r, hooksPath), integNotice(r, "hooks", "added", "removed"))
}

func eventNames(ts []rdv.EventType) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	return out
}

func (s *Server) renderHooks(w http.ResponseWriter, r *http.Request, status int, c rdv.Clinic, f *form, secret *shownSecret, notice string) {
	ctx := r.Context()
	endpoints, err := s.d.Store.WebhookEndpoints(ctx, c.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	deliveries, err := s.d.Store.WebhookDeliveries(ctx, c.ID, hookLogShown)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := langOf(ctx)
	data := portalHooksData{Clinic: c, Secret: secret, LogShown: hookLogShown}
	for _, t := range rdv.EventTypes {
		data.Events = append(data.Events, choice{Value: string(t), Label: translate(lang, "hooks.event."+string(t)),
			Checked: slices.Contains(f.Values["events"], string(t))})
	}
	for _, e := range endpoints {
		row := hookRow{ID: e.ID, URL: e.URL, Created: formatDate(e.CreatedAt)}
		for _, t := range e.Events {
			row.Events = append(row.Events, translate(lang, "hooks.event."+string(t)))
		}
		data.Endpoints = append(data.Endpoints, row)
	}
	for _, d := range deliveries {
		row := deliveryRow{When: FormatDateTime(d.Event.OccurredAt, lang), Event: translate(lang, "hooks.event."+string(d.Event.Type)),
			Appointment: d.Event.AppointmentID, URL: d.Endpoint.URL, Status: d.Status, StatusText: translate(lang, "hooks.status."+string(d.Status)),
			Attempts: d.Attempts}
		if d.LastCode != 0 {
			row.Answer = strconv.Itoa(d.LastCode)
		}
		if d.LastError != "" {
			row.Answer = strings.TrimSpace(row.Answer + " " + d.LastError)
		}
		data.Deliveries = append(data.Deliveries, row)
	}
	s.render(w, r, status, "portal_webhooks", &page{Title: "hooks.title", Form: f, Data: data, NoticeKey: notice})
}

// portalAddHook adds an endpoint of the account's clinic and shows its
// signing secret once.
func (s *Server) portalAddHook(w http.ResponseWriter, r *http.Request) {
	a, c, ok := s.staffForm(w, r)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	e := rdv.WebhookEndpoint{ClinicID: c.ID, URL: strings.TrimSpace(f.Values.Get("url")), Secret: webhook.NewSecret(),
		CreatedBy: a.ID, CreatedAt: s.d.Engine.Now()}
	for _, v := range f.Values["events"] {
		t, err := rdv.ParseEventType(v)
		if err != nil || slices.Contains(e.Events, t) {
			f.Fail("events", "hooks.err.events")
			continue
		}
		e.Events = append(e.Events, t)
	}
	hookRefused(f, e.Validate())
	if privateHost(e.URL) {
		f.Fail("url", "hooks.err.private")
	}
	if len(f.Errors) == 0 {
		added, err := s.d.Store.AddWebhookEndpoint(r.Context(), e)
		switch {
		case err == nil:
			s.log.InfoContext(r.Context(), "webhook endpoint added", "clinic", c.ID, "endpoint", added.ID, "account", a.ID)
			dropPageCookie(w, r, integDraftCookie, hooksPath)
			s.handSecret(w, r, hooksPath, "added", shownSecret{Name: added.URL, Secret: e.Secret}, func(sec *shownSecret) {
				s.renderHooks(w, r, http.StatusOK, c, newForm(nil), sec, "hooks.notice.added")
			})
			return
		case !hookRefused(f, err):
			s.fail(w, r, err)
			return
		}
	}
	s.sendIntegBack(w, r, hooksPath, f, hookFields, func(f *form) {
		s.renderHooks(w, r, http.StatusUnprocessableEntity, c, f, nil, "")
	})
}

// hookRefused places an endpoint's refusal on the field it concerns.
func hookRefused(f *form, err error) bool {
	if rdv.ErrorCode(err) != rdv.EINVALID {
		return false
	}
	if rdv.ErrorField(err) == "events" {
		f.Fail("events", "hooks.err.events")
	} else {
		f.Fail("url", "hooks.err.url")
	}
	return true
}

// privateHost reports whether an address names a host that is surely not
// public: localhost, or an IP address of a private network. Names are
// checked again, resolved, each time the sender connects (package
// webhook); this only tells the admin at once.
func privateHost(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && !webhook.Public(ip)
}

// portalRemoveHook removes an endpoint of the account's clinic.
func (s *Server) portalRemoveHook(w http.ResponseWriter, r *http.Request) {
	a, id, ok := s.staffTarget(w, r)
	if !ok {
		return
	}
	if err := s.d.Store.RemoveWebhookEndpoint(r.Context(), a.ClinicID, id, s.d.Engine.Now()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "webhook endpoint removed", "clinic", a.ClinicID, "endpoint", id, "account", a.ID)
	http.Redirect(w, r, hooksPath+"?avis=removed", http.StatusSeeOther)
}
