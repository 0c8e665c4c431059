package api

import (
	"strconv"

	"rdv"
	"rdv/availability"
)

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
	b = append(b, `,"clinic":{"id":`...)
	b = strconv.AppendInt(b, r.ClinicID, 10)
	var name, city, address string
	if c, ok := s.Index.Clinic(r.ClinicID); ok {
		name, city, address = c.Name, c.City, c.Address
	}
	b = append(b, `,"name":`...)
	b = appendString(b, name)
	b = append(b, `,"city":`...)
	b = appendString(b, city)
	b = append(b, `,"address":`...)
	b = appendString(b, address)
	b = append(b, `},"practitioner":{"id":`...)
	b = strconv.AppendInt(b, r.PractitionerID, 10)
	var pname string
	if p, ok := s.Index.Practitioner(r.PractitionerID); ok {
		pname = p.Name
	}
	b = append(b, `,"name":`...)
	b = appendString(b, pname)
	b = append(b, '}')
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
