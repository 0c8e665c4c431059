package api

import (
	"strconv"

	"rdv"
	"rdv/availability"
)

// fragments are the clinic and practitioner parts of a slot's JSON,
// encoded once when the API starts: every search result repeats them, and
// escaping their names again for each of them was most of a search's cost.
type fragments struct {
	clinics       map[int64][]byte // `,"clinic":{...}`
	practitioners map[int64][]byte // `,"practitioner":{...}`
}

func newFragments(ix *availability.Index) fragments {
	f := fragments{clinics: map[int64][]byte{}, practitioners: map[int64][]byte{}}
	if ix == nil {
		return f
	}
	for _, c := range ix.Clinics() {
		f.clinics[c.ID] = encodeClinicRef(nil, c.ID, c.Name, c.City, c.Address)
	}
	for _, p := range ix.Practitioners() {
		f.practitioners[p.ID] = encodePractitionerRef(nil, p.ID, p.Name)
	}
	return f
}

// appendClinic appends the clinic of a slot, from the encoded fragment or,
// for a clinic added since the API started, from the index.
func (f fragments) appendClinic(b []byte, ix *availability.Index, id int64) []byte {
	if frag, ok := f.clinics[id]; ok {
		return append(b, frag...)
	}
	c, _ := ix.Clinic(id)
	return encodeClinicRef(b, id, c.Name, c.City, c.Address)
}

// appendPractitioner appends the practitioner of a slot, like appendClinic.
func (f fragments) appendPractitioner(b []byte, ix *availability.Index, id int64) []byte {
	if frag, ok := f.practitioners[id]; ok {
		return append(b, frag...)
	}
	p, _ := ix.Practitioner(id)
	return encodePractitionerRef(b, id, p.Name)
}

func encodeClinicRef(b []byte, id int64, name, city, address string) []byte {
	b = append(b, `,"clinic":{"id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"name":`...)
	b = appendString(b, name)
	b = append(b, `,"city":`...)
	b = appendString(b, city)
	b = append(b, `,"address":`...)
	b = appendString(b, address)
	return append(b, '}')
}

func encodePractitionerRef(b []byte, id int64, name string) []byte {
	b = append(b, `,"practitioner":{"id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"name":`...)
	b = appendString(b, name)
	return append(b, '}')
}

// appendSlot appends the JSON of one slot as search results and
// appointments show it: {"id","start","end","service","clinic":{...},
// "practitioner":{...}} and "distance_km" when withDistance is set.
func (s *server) appendSlot(b []byte, r availability.Result, withDistance bool) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, r.SlotID, 10)
	b = append(b, `,"start":`...)
	b = appendTime(b, r.Start)
	b = append(b, `,"end":`...)
	b = appendTime(b, r.End)
	b = append(b, `,"service":`...)
	b = appendString(b, string(r.Service))
	b = s.fragments.appendClinic(b, s.Index, r.ClinicID)
	b = s.fragments.appendPractitioner(b, s.Index, r.PractitionerID)
	if withDistance {
		b = append(b, `,"distance_km":`...)
		b = appendKm(b, r.DistanceKm)
	}
	return append(b, '}')
}

// resultOf describes a stored slot the way search results do.
func resultOf(sl rdv.Slot) availability.Result {
	return availability.Result{
		SlotID:         sl.ID,
		Start:          sl.Start,
		End:            sl.End,
		Service:        sl.Service,
		ClinicID:       sl.ClinicID,
		PractitionerID: sl.PractitionerID,
	}
}
