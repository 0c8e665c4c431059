package fhir

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"rdv"
	"rdv/i18n"
)

// The network as FHIR sees it, read from the index's directory (every
// clinic and practitioner, in memory): a clinic is a Location and the
// Organization that runs it, each service it offers a HealthcareService;
// a practitioner is a Practitioner and a PractitionerRole at the clinic,
// and has a Schedule per service it gives.

func (s *Server) location(c rdv.Clinic) Location {
	id := idOf(c.ID)
	return Location{
		ResourceType: "Location", ID: id, Status: "active", Name: c.Name, Mode: "instance",
		Telecom:              phone(c.Phone),
		Address:              &Address{Line: lines(c.Address), City: c.City, State: "QC", Country: "CA"},
		Position:             &Position{Longitude: c.Lon, Latitude: c.Lat},
		ManagingOrganization: &Reference{Reference: "Organization/" + id, Display: c.Name},
	}
}

func (s *Server) organization(c rdv.Clinic) Organization {
	return Organization{ResourceType: "Organization", ID: idOf(c.ID), Active: true, Name: c.Name, Telecom: phone(c.Phone),
		Address: []Address{{Line: lines(c.Address), City: c.City, State: "QC", Country: "CA"}}}
}

func (s *Server) healthcareService(c rdv.Clinic, svc rdv.Service, lang string) HealthcareService {
	hs := HealthcareService{
		ResourceType: "HealthcareService", ID: serviceID(c.ID, svc), Language: lang, Active: true,
		ProvidedBy: &Reference{Reference: "Organization/" + idOf(c.ID), Display: c.Name},
		Type:       []CodeableConcept{s.serviceConcept(svc, lang)},
		Location:   []Reference{{Reference: "Location/" + idOf(c.ID), Display: c.Name}},
		Name:       svc.Name(lang) + " — " + c.Name,
		Telecom:    phone(c.Phone),
		// A same-day visit is still booked: rdv gives it a slot.
		AppointmentRequired: true,
	}
	for _, l := range c.Languages {
		hs.Communication = append(hs.Communication, languageConcept(l))
	}
	return hs
}

func (s *Server) practitioner(p rdv.Practitioner, lang string) Practitioner {
	pr := Practitioner{ResourceType: "Practitioner", ID: idOf(p.ID), Active: true,
		Name: []HumanName{{Text: i18n.PractitionerName(p.Name, lang)}}}
	for _, l := range p.Languages {
		pr.Communication = append(pr.Communication, languageConcept(l))
	}
	return pr
}

func (s *Server) role(p rdv.Practitioner, c rdv.Clinic, lang string) PractitionerRole {
	id := idOf(p.ID)
	pr := PractitionerRole{
		ResourceType: "PractitionerRole", ID: id, Active: true,
		Practitioner: &Reference{Reference: "Practitioner/" + id, Display: i18n.PractitionerName(p.Name, lang)},
		Organization: &Reference{Reference: "Organization/" + idOf(c.ID), Display: c.Name},
		Location:     []Reference{{Reference: "Location/" + idOf(c.ID), Display: c.Name}},
		Telecom:      phone(c.Phone),
	}
	for _, svc := range p.Services {
		pr.HealthcareService = append(pr.HealthcareService, Reference{Reference: "HealthcareService/" + serviceID(c.ID, svc), Display: svc.Name(lang)})
	}
	return pr
}

func (s *Server) schedule(p rdv.Practitioner, c rdv.Clinic, svc rdv.Service, lang string) Schedule {
	return Schedule{
		ResourceType: "Schedule", ID: serviceID(p.ID, svc), Language: lang, Active: true,
		ServiceType: []CodeableConcept{s.serviceConcept(svc, lang)},
		Actor: []Reference{
			{Reference: "Location/" + idOf(c.ID), Display: c.Name},
			{Reference: "PractitionerRole/" + idOf(p.ID), Display: i18n.PractitionerName(p.Name, lang)},
		},
	}
}

func phone(n string) []ContactPoint {
	if n == "" {
		return nil
	}
	return []ContactPoint{{System: "phone", Value: n, Use: "work"}}
}

func lines(a string) []string {
	if a == "" {
		return nil
	}
	return []string{a}
}

// Reads by id.

func (s *Server) clinicOf(r *http.Request) (rdv.Clinic, error) {
	id, ok := parseID(r.PathValue("id"))
	c, known := s.d.Index.Clinic(id)
	if !ok || !known {
		return rdv.Clinic{}, rdv.Errorf(rdv.ENOTFOUND, "clinic %q", r.PathValue("id"))
	}
	return c, nil
}

func (s *Server) practitionerOf(id string) (rdv.Practitioner, rdv.Clinic, error) {
	n, ok := parseID(id)
	p, known := s.d.Index.Practitioner(n)
	c, clinic := s.d.Index.Clinic(p.ClinicID)
	if !ok || !known || !clinic {
		return rdv.Practitioner{}, rdv.Clinic{}, rdv.Errorf(rdv.ENOTFOUND, "practitioner %q", id)
	}
	return p, c, nil
}

func (s *Server) readLocation(w http.ResponseWriter, r *http.Request) {
	c, err := s.clinicOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeResource(w, r, s.location(c))
}

func (s *Server) readOrganization(w http.ResponseWriter, r *http.Request) {
	c, err := s.clinicOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeResource(w, r, s.organization(c))
}

func (s *Server) readPractitioner(w http.ResponseWriter, r *http.Request) {
	p, _, err := s.practitionerOf(r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeResource(w, r, s.practitioner(p, lang(r)))
}

func (s *Server) readRole(w http.ResponseWriter, r *http.Request) {
	p, c, err := s.practitionerOf(r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeResource(w, r, s.role(p, c, lang(r)))
}

func (s *Server) readService(w http.ResponseWriter, r *http.Request) {
	id, svc, ok := parseServiceID(r.PathValue("id"))
	c, known := s.d.Index.Clinic(id)
	if !ok || !known || !c.Offers(svc) {
		s.fail(w, r, rdv.Errorf(rdv.ENOTFOUND, "healthcare service %q", r.PathValue("id")))
		return
	}
	s.writeResource(w, r, s.healthcareService(c, svc, lang(r)))
}

func (s *Server) readSchedule(w http.ResponseWriter, r *http.Request) {
	id, svc, ok := parseServiceID(r.PathValue("id"))
	p, c, err := s.practitionerOf(idOf(id))
	if err != nil || !ok || !slices.Contains(p.Services, svc) {
		s.fail(w, r, rdv.Errorf(rdv.ENOTFOUND, "schedule %q", r.PathValue("id")))
		return
	}
	s.writeResource(w, r, s.schedule(p, c, svc, lang(r)))
}

// writeResource answers one resource read by id.
func (s *Server) writeResource(w http.ResponseWriter, r *http.Request, res any) {
	w.Header().Set("Cache-Control", "public, max-age=60")
	s.write(w, r, http.StatusOK, res)
}

// Searches. Each walks the directory (a few hundred clinics, a few
// thousand practitioners): no store, no index of its own.

// idMatch reports whether a resource's id is among the _id values.
func idMatch(p searchParams, id string) bool {
	v := p.Get("_id")
	return v == "" || slices.Contains(tokens(v), id)
}

// refMatch reports whether a reference parameter names typ/id.
func (s *Server) refMatch(p searchParams, param, typ, id string) bool {
	v := p.Get(param)
	if v == "" {
		return true
	}
	for _, t := range tokens(v) {
		if got, ok := s.referenceID(t, typ); ok && got == id {
			return true
		}
	}
	return false
}

// textMatch is a string parameter's match: the value anywhere in the
// text, ignoring case.
func textMatch(p searchParams, param, text string) bool {
	v := p.Get(param)
	return v == "" || strings.Contains(strings.ToLower(text), strings.ToLower(v))
}

func (s *Server) searchLocations(w http.ResponseWriter, r *http.Request) {
	p, err := parseSearch(r, names("Location")...)
	var pt nearPoint
	if err == nil && p.Get("near") != "" {
		pt, err = parseNear(p.Get("near"), "near")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var entries []Entry
	for _, c := range s.d.Index.Clinics() {
		id := idOf(c.ID)
		if idMatch(p, id) && textMatch(p, "name", c.Name) && textMatch(p, "address-city", c.City) &&
			s.refMatch(p, "organization", "Organization", id) && (p.Get("near") == "" || pt.within(c.Lat, c.Lon)) {
			entries = append(entries, s.match("Location", id, s.location(c)))
		}
	}
	s.paged(w, r, p, entries)
}

func (s *Server) searchOrganizations(w http.ResponseWriter, r *http.Request) {
	p, err := parseSearch(r, names("Organization")...)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var entries []Entry
	for _, c := range s.d.Index.Clinics() {
		if id := idOf(c.ID); idMatch(p, id) && textMatch(p, "name", c.Name) {
			entries = append(entries, s.match("Organization", id, s.organization(c)))
		}
	}
	s.paged(w, r, p, entries)
}

func (s *Server) searchPractitioners(w http.ResponseWriter, r *http.Request) {
	p, err := parseSearch(r, names("Practitioner")...)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := lang(r)
	var entries []Entry
	for _, pr := range s.d.Index.Practitioners() {
		if id := idOf(pr.ID); idMatch(p, id) && textMatch(p, "name", pr.Name) {
			entries = append(entries, s.match("Practitioner", id, s.practitioner(pr, l)))
		}
	}
	s.paged(w, r, p, entries)
}

func (s *Server) searchRoles(w http.ResponseWriter, r *http.Request) {
	p, err := parseSearch(r, names("PractitionerRole")...)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := lang(r)
	var entries []Entry
	for _, pr := range s.d.Index.Practitioners() {
		c, ok := s.d.Index.Clinic(pr.ClinicID)
		id, cid := idOf(pr.ID), idOf(pr.ClinicID)
		if ok && idMatch(p, id) && s.refMatch(p, "practitioner", "Practitioner", id) &&
			s.refMatch(p, "location", "Location", cid) && s.refMatch(p, "organization", "Organization", cid) {
			entries = append(entries, s.match("PractitionerRole", id, s.role(pr, c, l)))
		}
	}
	s.paged(w, r, p, entries)
}

func (s *Server) searchServices(w http.ResponseWriter, r *http.Request) {
	p, err := parseSearch(r, names("HealthcareService")...)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	want, err := s.serviceTypes(p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := lang(r)
	var entries []Entry
	for _, c := range s.d.Index.Clinics() {
		cid := idOf(c.ID)
		if !s.refMatch(p, "location", "Location", cid) || !s.refMatch(p, "organization", "Organization", cid) {
			continue
		}
		for _, svc := range c.Services {
			if id := serviceID(c.ID, svc); idMatch(p, id) && slices.Contains(want, svc) {
				entries = append(entries, s.match("HealthcareService", id, s.healthcareService(c, svc, l)))
			}
		}
	}
	s.paged(w, r, p, entries)
}

func (s *Server) searchSchedules(w http.ResponseWriter, r *http.Request) {
	p, err := parseSearch(r, names("Schedule")...)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	want, err := s.serviceTypes(p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	act, err := s.parseActor(p.Get("actor"), "actor")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := lang(r)
	var entries []Entry
	for _, pr := range s.d.Index.Practitioners() {
		c, ok := s.d.Index.Clinic(pr.ClinicID)
		if !ok || !act.admits(pr) {
			continue
		}
		for _, svc := range pr.Services {
			if id := serviceID(pr.ID, svc); idMatch(p, id) && slices.Contains(want, svc) && act.admitsService(svc) {
				entries = append(entries, s.match("Schedule", id, s.schedule(pr, c, svc, l)))
			}
		}
	}
	s.paged(w, r, p, entries)
}

// serviceTypes reads service-type's alternatives; every service when it
// is absent.
func (s *Server) serviceTypes(p searchParams) ([]rdv.Service, error) {
	v := p.Get("service-type")
	if v == "" {
		return rdv.Services, nil
	}
	var out []rdv.Service
	for _, t := range tokens(v) {
		svc, ok := s.parseServiceToken(t)
		if !ok {
			return nil, badParam("service-type")
		}
		if !slices.Contains(out, svc) {
			out = append(out, svc)
		}
	}
	return out, nil
}

// actor is what a schedule.actor (or a $find's practitioner or location)
// narrows slots to: a clinic, a practitioner, a clinic's service, a
// practitioner's schedule. The zero actor admits everything.
type actor struct {
	clinic, practitioner int64
	service              rdv.Service
}

func (a actor) admits(p rdv.Practitioner) bool {
	return (a.clinic == 0 || p.ClinicID == a.clinic) && (a.practitioner == 0 || p.ID == a.practitioner)
}

func (a actor) admitsService(svc rdv.Service) bool { return a.service == "" || a.service == svc }

// parseActor reads a reference to a Location, an Organization, a
// HealthcareService, a Practitioner, a PractitionerRole or a Schedule.
// One that names nothing rdv knows is refused as an invalid value.
func (s *Server) parseActor(v, param string) (actor, error) {
	if v == "" {
		return actor{}, nil
	}
	if strings.Contains(v, ",") {
		return actor{}, notSupported(param)
	}
	ref := strings.TrimPrefix(v, s.base+"/")
	typ, id, _ := strings.Cut(ref, "/")
	var a actor
	ok := false
	switch typ {
	case "Location", "Organization":
		a.clinic, ok = parseID(id)
		_, known := s.d.Index.Clinic(a.clinic)
		ok = ok && known
	case "Practitioner", "PractitionerRole":
		p, _, err := s.practitionerOf(id)
		a.practitioner, a.clinic, ok = p.ID, p.ClinicID, err == nil
	case "HealthcareService":
		a.clinic, a.service, ok = parseServiceID(id)
	case "Schedule":
		var pid int64
		pid, a.service, ok = parseServiceID(id)
		p, _, err := s.practitionerOf(idOf(pid))
		a.practitioner, a.clinic, ok = p.ID, p.ClinicID, ok && err == nil
	}
	if !ok {
		return actor{}, badParam(param)
	}
	return a, nil
}

// nearPoint is a search's disc: FHIR's near=[lat]|[lon]|[distance]|[units],
// in kilometres (the only unit taken), 25 km when no distance is given.
type nearPoint struct {
	lat, lon, km float64
}

const defaultNearKm = 25

func parseNear(v, param string) (nearPoint, error) {
	parts := strings.Split(v, "|")
	if len(parts) < 2 || len(parts) > 4 {
		return nearPoint{}, badParam(param)
	}
	lat, err1 := strconv.ParseFloat(parts[0], 64)
	lon, err2 := strconv.ParseFloat(parts[1], 64)
	pt := nearPoint{lat: lat, lon: lon, km: defaultNearKm}
	// Written so that NaN, which every comparison refuses, is refused too.
	if err1 != nil || err2 != nil || !(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180) {
		return nearPoint{}, badParam(param)
	}
	if len(parts) >= 3 && parts[2] != "" {
		km, err := strconv.ParseFloat(parts[2], 64)
		if err != nil || !(km >= 0) || km > 1000 {
			return nearPoint{}, badParam(param)
		}
		pt.km = km
	}
	if len(parts) == 4 && parts[3] != "" && parts[3] != "km" {
		return nearPoint{}, notSupported(param)
	}
	return pt, nil
}

// within reports whether a point is in the disc (haversine).
func (pt nearPoint) within(lat, lon float64) bool {
	const earthKm = 6371.0
	rad := math.Pi / 180
	dlat, dlon := (lat-pt.lat)*rad, (lon-pt.lon)*rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(pt.lat*rad)*math.Cos(lat*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2*earthKm*math.Asin(math.Sqrt(a)) <= pt.km
}
