package fieldcrypt

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
)

// checkText is what a key's check seals: a database keeps one check per
// key that ever sealed in it, so that a server started with a wrong or
// missing key says so at once, not at the first patient it reads.
const checkText = "rdv data key check"

// Checks returns a check of every loaded key, by name ("index", "k1",
// …), for a store to keep.
func (k *Keys) Checks() map[string]string {
	out := map[string]string{IndexKeyName: k.Index("check", checkText)}
	for id := range k.aead {
		out["k"+strconv.Itoa(id)] = k.sealWith(id, checkText)
	}
	return out
}

// Verify compares the checks a database keeps with the loaded keys: every
// key that sealed in it must be loaded and be the same key, and the index
// key must be the one its indexes were computed with. The error names
// the keys at fault, never their bytes.
func (k *Keys) Verify(stored map[string]string) error {
	if k == nil {
		if len(stored) > 0 {
			return errors.New("the database holds encrypted patient data and no data keys are loaded: give --keys FILE or RDV_KEYS")
		}
		return nil
	}
	names := make([]string, 0, len(stored))
	for name := range stored {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		check := stored[name]
		if name == IndexKeyName {
			if check != k.Index("check", checkText) {
				return errors.New("the index key given is not the one this database's blind indexes were computed with")
			}
			continue
		}
		id, err := parseID(name)
		if err != nil {
			return fmt.Errorf("the database keeps a check of an unknown key %q", name)
		}
		if _, ok := k.aead[id]; !ok {
			return fmt.Errorf("the database holds values sealed with data key %s, which is not among the keys given (%v)", name, k.IDs())
		}
		if plain, err := k.Open(check); err != nil || plain != checkText {
			return fmt.Errorf("data key %s given is not the key that sealed this database's values", name)
		}
	}
	return nil
}
