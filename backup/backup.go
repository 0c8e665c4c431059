// Package backup seals copies of a database with age (filippo.io/age) and
// opens them again: what rdv backup writes and rdv restore reads.
//
// A backup is an age file whose plaintext is the database file
// compressed with gzip. age authenticates every 64 KiB chunk and the end
// of the stream, so a file cut short, altered or swapped chunk for chunk
// fails to open instead of restoring something else; gzip's checksum adds
// nothing to that but costs little, and compression makes the demo
// network's 240 MB file a third of that.
//
// The server that writes backups needs only the recipients (public keys):
// the identity that opens them stays off that machine, so that whoever
// takes the server (and the database's credentials) can neither read old
// backups nor open new ones. Files are written whole or not at all, in
// a temporary file renamed into place, readable by their owner only.
package backup

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
)

// Errors that Open returns, for callers to tell a wrong key from a
// damaged file.
var (
	// ErrWrongKey: no identity opens the file's key. age cannot tell a
	// file encrypted to other keys from one whose key stanza was altered.
	ErrWrongKey = errors.New("this identity does not open the backup: it was encrypted to another key (or its header was altered)")
	// ErrDamaged: the file is not a backup, or was cut short or altered.
	ErrDamaged = errors.New("the backup is damaged: cut short, altered, or not a backup")
)

// Recipients are the public keys a backup is encrypted to.
type Recipients struct{ list []age.Recipient }

// Identities are the private keys a backup is opened with.
type Identities struct{ list []age.Identity }

// Len returns how many recipients there are.
func (r Recipients) Len() int { return len(r.list) }

// ParseRecipients reads age recipients ("age1…", or post-quantum
// "age1pq1…") separated by commas, spaces or line breaks.
func ParseRecipients(s string) (Recipients, error) {
	lines := strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	}), "\n")
	if lines == "" {
		return Recipients{}, errors.New("no backup recipient given")
	}
	list, err := age.ParseRecipients(strings.NewReader(lines))
	if err != nil {
		return Recipients{}, fmt.Errorf("backup recipients: %w", err)
	}
	return Recipients{list}, nil
}

// ParseIdentities reads an age identity file: private keys one a line,
// lines starting with "#" ignored.
func ParseIdentities(r io.Reader) (Identities, error) {
	list, err := age.ParseIdentities(r)
	if err != nil {
		return Identities{}, fmt.Errorf("backup identity: %w", err)
	}
	return Identities{list}, nil
}

// Recipients returns the public keys of the identities: a backup encrypted
// to them opens with ids.
func (ids Identities) Recipients() (Recipients, error) {
	var r Recipients
	for _, id := range ids.list {
		switch id := id.(type) {
		case *age.HybridIdentity:
			r.list = append(r.list, id.Recipient())
		case *age.X25519Identity:
			r.list = append(r.list, id.Recipient())
		default:
			return Recipients{}, fmt.Errorf("backup identity of type %T has no recipient to encrypt to", id)
		}
	}
	return r, nil
}

// Seal writes src to dst compressed and encrypted to r. dst holds a
// whole backup only once Seal returns nil.
func Seal(dst io.Writer, src io.Reader, r Recipients) error {
	if len(r.list) == 0 {
		return errors.New("seal a backup: no recipient")
	}
	enc, err := age.Encrypt(dst, r.list...)
	if err != nil {
		return fmt.Errorf("seal a backup: %w", err)
	}
	// BestSpeed: on the demo network it keeps three quarters of the
	// saving of the default level at a third of its time.
	zw, err := gzip.NewWriterLevel(enc, gzip.BestSpeed)
	if err != nil {
		return err
	}
	if _, err := io.Copy(zw, src); err != nil {
		return fmt.Errorf("seal a backup: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("seal a backup: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("seal a backup: %w", err)
	}
	return nil
}

// Open writes to dst what Seal read, from the backup src, decrypted with
// ids. It fails with ErrWrongKey when no identity opens the file, and
// with ErrDamaged when the file is cut short or altered anywhere: what
// dst received is then to be thrown away.
func Open(dst io.Writer, src io.Reader, ids Identities) error {
	dec, err := age.Decrypt(src, ids.list...)
	if err != nil {
		if _, ok := errors.AsType[*age.NoIdentityMatchError](err); ok {
			return ErrWrongKey
		}
		return fmt.Errorf("%w (%v)", ErrDamaged, err)
	}
	// The gzip reader reads through br, so that what it leaves unread
	// (nothing, from Seal) is counted below.
	br := bufio.NewReaderSize(dec, 1<<16)
	zr, err := gzip.NewReader(br)
	if err != nil {
		return fmt.Errorf("%w (%v)", ErrDamaged, err)
	}
	zr.Multistream(false)
	if _, err := io.Copy(writerOf{dst}, zr); err != nil { // #nosec G110 -- a restore writes the whole snapshot the operator chose, whatever its size
		if werr, ok := errors.AsType[*writeError](err); ok {
			return werr.err
		}
		return fmt.Errorf("%w (%v)", ErrDamaged, err)
	}
	// Reading to the end makes age check the last chunk, which says the
	// stream ends there: a file cut at a chunk boundary fails here.
	if n, err := io.Copy(io.Discard, br); err != nil || n != 0 {
		return fmt.Errorf("%w (%d bytes after the end, %v)", ErrDamaged, n, err)
	}
	return nil
}

// writeError marks a failure of the destination, which is not the
// backup's fault.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

// writerOf tells the destination's failures from the source's.
type writerOf struct{ w io.Writer }

func (w writerOf) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	if err != nil {
		err = &writeError{err}
	}
	return n, err
}
