package demo

import "strings"

// The name lists are fictional mixes of common Québec names; any
// resemblance to a real clinic or person is coincidence.

var lastNamesFR = []string{
	"Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie",
	"Fortin", "Gagné", "Ouellet", "Pelletier", "Bélanger", "Lévesque", "Bergeron",
	"Leblanc", "Paquette", "Girard", "Simard", "Boucher", "Caron", "Beaulieu",
	"Cloutier", "Dubé", "Poirier", "Fournier", "Lapointe", "Leclerc", "Lefebvre",
	"Poulin", "Thibault", "St-Pierre", "Nadeau", "Martin", "Landry", "Martel",
	"Bédard", "Grenier", "Lessard", "Bernier", "Richard", "Michaud", "Hébert",
	"Desjardins", "Couture", "Turcotte", "Lachance", "Parent", "Blais", "Gosselin",
	"Savard", "Proulx", "Beaudoin", "Demers", "Perron", "Boudreau", "Cyr",
	"Bolduc", "Vachon", "Langlois", "Chabot", "Lemieux", "Mercier", "Dufour",
	"Villeneuve", "Labbé", "Charbonneau", "Desrosiers", "Lacroix", "Laflamme",
	"Vaillancourt", "Brassard", "Duchesne", "Lalonde", "Guay", "Therrien",
}

var lastNamesOther = []string{
	"Smith", "Johnson", "Brown", "Wilson", "MacDonald", "Campbell", "Nguyen",
	"Tran", "Patel", "Singh", "Kaur", "Chen", "Wong", "Li", "Cohen", "Haddad",
	"Khoury", "Rossi", "Ferraro", "Santos", "Garcia", "Rodriguez", "Diallo",
	"Traoré", "Joseph", "Pierre", "Jean-Baptiste", "Khan", "Ahmed", "Benali",
	"Papadopoulos", "Kowalski",
}

var firstNamesFemaleFR = []string{
	"Marie", "Julie", "Isabelle", "Catherine", "Nathalie", "Sophie", "Geneviève",
	"Mélanie", "Valérie", "Annie", "Chantal", "Sylvie", "Émilie", "Camille",
	"Léa", "Chloé", "Florence", "Rosalie", "Béatrice", "Alice", "Juliette",
	"Charlotte", "Maude", "Audrey", "Stéphanie", "Karine", "Josée", "Manon",
	"Francine", "Louise", "Hélène", "Gabrielle", "Élodie", "Noémie", "Zoé",
}

var firstNamesMaleFR = []string{
	"Jean", "Pierre", "Michel", "François", "Martin", "Éric", "Patrick", "Sylvain",
	"Stéphane", "Mathieu", "Alexandre", "Guillaume", "Maxime", "Simon", "Louis",
	"Olivier", "Félix", "William", "Thomas", "Samuel", "Gabriel", "Antoine",
	"Nathan", "Émile", "Raphaël", "Jacques", "André", "Denis", "Luc", "Benoît",
	"Marc-André", "Jean-François", "Philippe", "Vincent", "Hugo",
}

var firstNamesFemaleEN = []string{
	"Sarah", "Emily", "Jessica", "Jennifer", "Emma", "Olivia", "Hannah", "Rachel",
	"Laura", "Megan", "Grace", "Fatima", "Mei", "Priya", "Anna",
}

var firstNamesMaleEN = []string{
	"David", "Michael", "James", "Daniel", "Matthew", "Ryan", "Andrew", "Kevin",
	"Jonathan", "Liam", "Noah", "Omar", "Wei", "Arjun", "Adam",
}

// clinicKinds are the ways clinics in Québec call themselves, most common
// first (drawn with the weights in clinicKindWeights).
var clinicKinds = []string{
	"Clinique médicale", "GMF", "Centre médical", "Polyclinique",
	"Clinique familiale", "Groupe de médecine de famille", "Clinique santé",
}

var clinicKindWeights = []int{30, 25, 15, 8, 8, 6, 8}

// clinicLandmarks name a clinic after its neighbourhood or a landmark.
var clinicLandmarks = []string{
	"du Vieux-Port", "des Érables", "du Parc", "de la Cité", "du Carrefour",
	"des Rivières", "de la Colline", "du Boisé", "des Pionniers", "du Quartier",
	"de la Gare", "du Vieux-Moulin", "des Cascades", "du Lac", "de la Montagne",
	"des Sources", "du Fleuve", "des Chênes", "du Plateau", "de l'Île",
	"des Trembles", "du Village", "des Cèdres", "de la Seigneurie", "du Golf",
	"des Patriotes", "du Phare", "des Grands-Prés", "de la Rive", "du Domaine",
	"des Bâtisseurs", "du Centre-Ville", "de la Place", "des Saules", "du Ruisseau",
}

// clinicPatrons name a clinic after a saint or a historical figure.
var clinicPatrons = []string{
	"Saint-Laurent", "Sainte-Anne", "Saint-Joseph", "Sainte-Marie", "Saint-Louis",
	"Saint-Jean", "Sainte-Claire", "Maisonneuve", "Champlain", "Laurier",
	"Frontenac", "Cartier", "Jacques-Cartier", "Marie-Victorin", "Notre-Dame",
	"Sainte-Thérèse", "Saint-Michel", "Sainte-Cécile", "Laviolette", "Papineau",
}

var streetsCommon = []string{
	"rue Principale", "rue Notre-Dame", "boulevard Saint-Joseph", "rue de l'Église",
	"rue Saint-Georges", "boulevard Laurier", "rue Champlain", "rue Wellington",
	"rue King", "rue Dufferin", "rue Racine", "avenue Cartier", "rue Frontenac",
	"rue de la Gare", "rue des Érables", "avenue du Parc", "rue Saint-Jean",
	"rue Sainte-Anne", "boulevard Industriel", "rue des Pins", "rue de l'Hôtel-de-Ville",
	"chemin du Lac", "boulevard des Laurentides", "rue Saint-Louis", "montée Saint-François",
	"boulevard Sainte-Foy", "rue Commerciale", "avenue de la Cathédrale", "rue Mgr-Tessier",
}

var streetsMontreal = []string{
	"rue Saint-Denis", "rue Sherbrooke Est", "rue Sherbrooke Ouest", "rue Jean-Talon Est",
	"rue Sainte-Catherine Ouest", "chemin de la Côte-des-Neiges", "boulevard Saint-Laurent",
	"boulevard Décarie", "avenue Papineau", "rue Masson", "rue Beaubien Est",
	"rue Bélanger", "boulevard Rosemont", "avenue du Mont-Royal Est", "boulevard Monk",
	"rue Notre-Dame Ouest", "boulevard Pie-IX", "boulevard Henri-Bourassa Est",
	"boulevard Gouin Ouest", "boulevard Saint-Michel", "rue Fleury Est", "avenue Laurier Ouest",
	"avenue Van Horne", "chemin Queen-Mary", "avenue Monkland", "boulevard Cavendish",
	"boulevard des Sources", "rue Ontario Est", "rue Wellington", "boulevard de Maisonneuve Ouest",
}

var streetsQuebec = []string{
	"boulevard René-Lévesque Ouest", "boulevard Charest Ouest", "boulevard Laurier",
	"boulevard Hamel", "chemin Sainte-Foy", "1re Avenue", "3e Avenue", "avenue Cartier",
	"rue Saint-Jean", "boulevard Pierre-Bertrand", "boulevard Henri-Bourassa",
	"boulevard Valcartier", "avenue Maguire", "boulevard Wilfrid-Hamel", "rue de la Couronne",
}

// englishShare is the share of clinics (and of patients) that work in
// English in the places where English is common; other places use the
// default of their region (see languageShare).
var englishShare = map[string]float64{
	"Montréal": 0.55, "Gatineau": 0.5, "Sherbrooke": 0.35, "Laval": 0.3,
	"Saint-Laurent": 0.7, "Notre-Dame-de-Grâce": 0.9, "Dollard-Des Ormeaux": 1,
	"Côte-Saint-Luc": 1, "Pointe-Claire": 1, "Westmount": 1, "Kirkland": 1,
	"Beaconsfield": 1, "Mont-Royal": 0.9, "Dorval": 0.9, "Hampstead": 1,
	"Montréal-Ouest": 1, "Sainte-Anne-de-Bellevue": 1, "Hudson": 1, "Lac-Brome": 0.8,
	"Cowansville": 0.4, "Vaudreuil-Dorion": 0.5, "Saint-Lazare": 0.5, "Pincourt": 0.5,
	"L'Île-Perrot": 0.5, "Brossard": 0.5, "Chambly": 0.3, "Magog": 0.3,
	"Buckingham": 0.4, "Cantley": 0.5, "Val-des-Monts": 0.4, "Coaticook": 0.3,
	"Brownsburg-Chatham": 0.4, "Lachute": 0.4, "Québec": 0.15, "Rock Forest": 0.3,
	"Saint-Léonard": 0.4, "Châteauguay": 0.4, "Candiac": 0.3, "La Prairie": 0.25,
}

// asciiFold drops the French diacritics and keeps letters and digits, for
// the parts of identifiers (RAMQ letters, email local parts) that are ASCII.
func asciiFold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < 128:
			if ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
				b.WriteRune(r)
			}
		case strings.ContainsRune("àâäá", r):
			b.WriteByte('a')
		case strings.ContainsRune("ÀÂÄÁ", r):
			b.WriteByte('A')
		case r == 'ç':
			b.WriteByte('c')
		case r == 'Ç':
			b.WriteByte('C')
		case strings.ContainsRune("éèêë", r):
			b.WriteByte('e')
		case strings.ContainsRune("ÉÈÊË", r):
			b.WriteByte('E')
		case strings.ContainsRune("îïí", r):
			b.WriteByte('i')
		case strings.ContainsRune("ÎÏÍ", r):
			b.WriteByte('I')
		case strings.ContainsRune("ôöó", r):
			b.WriteByte('o')
		case strings.ContainsRune("ÔÖÓ", r):
			b.WriteByte('O')
		case strings.ContainsRune("ùûüú", r):
			b.WriteByte('u')
		case strings.ContainsRune("ÙÛÜÚ", r):
			b.WriteByte('U')
		case r == 'œ':
			b.WriteString("oe")
		case r == 'Œ':
			b.WriteString("OE")
		}
	}
	return b.String()
}
