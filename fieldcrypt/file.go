package fieldcrypt

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// ReadFile loads the key set in the file at path. A file that others
// than its owner may read is refused: the keys are what keeps the data
// unreadable.
func ReadFile(path string) (*Keys, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read keys: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("read keys: %s may be read by others than its owner (mode %04o): chmod 600 it", path, info.Mode().Perm())
	}
	text, err := os.ReadFile(path) // #nosec G304 -- the key file the operator named (--keys)
	if err != nil {
		return nil, fmt.Errorf("read keys: %w", err)
	}
	k, err := Parse(string(text))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// CreateFile writes a new key set to path, readable by its owner only,
// unless the file exists already; created says whether it did.
func CreateFile(path string) (created bool, err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // #nosec G304 -- the key file the operator named (--keys)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create keys: %w", err)
	}
	if _, err := f.WriteString(Generate()); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return false, fmt.Errorf("create keys: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return false, fmt.Errorf("create keys: %w", err)
	}
	return true, f.Close()
}

// AddKey appends a new data key to the key file at path, which from then
// on seals; the older keys stay to open what they sealed.
func AddKey(path string) (string, error) {
	k, err := ReadFile(path)
	if err != nil {
		return "", err
	}
	line := k.NextKey()
	if text, err := os.ReadFile(path); err == nil && len(text) > 0 && text[len(text)-1] != '\n' { // #nosec G304 -- the key file the operator named (--keys)
		line = "\n" + line
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0) // #nosec G304 -- the key file the operator named (--keys)
	if err != nil {
		return "", fmt.Errorf("add key: %w", err)
	}
	if _, err := f.WriteString(line); err != nil {
		_ = f.Close()
		return "", fmt.Errorf("add key: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return "", fmt.Errorf("add key: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("add key: %w", err)
	}
	id, _, _ := strings.Cut(strings.TrimSpace(line), "=")
	return id, nil
}
