package rdv

// The binary must compute Québec local times on machines without a zone
// database (minimal containers), so the zone data is compiled in.
import _ "time/tzdata"
