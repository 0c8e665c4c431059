package smtptest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Message is a message as a mail reader shows it: its headers, its
// subject decoded, its text and HTML parts (with LF line breaks) and its
// attachments (as sent), each decoded from its transfer encoding.
type Message struct {
	Header      mail.Header
	Subject     string
	Text, HTML  string
	Attachments []Attachment
}

// Attachment is a file attached to a message.
type Attachment struct {
	Name        string
	ContentType string // as the part declares it, parameters included
	Data        []byte
}

// Parse reads a raw message (RFC 5322 with MIME): the first text/plain
// and text/html parts that are no attachment become Text and HTML; the
// parts with a file name or "Content-Disposition: attachment" become
// Attachments.
func Parse(raw []byte) (Message, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, fmt.Errorf("read message: %w", err)
	}
	msg := Message{Header: m.Header}
	dec := new(mime.WordDecoder)
	if msg.Subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		return Message{}, fmt.Errorf("subject: %w", err)
	}
	err = msg.walk(m.Header, m.Body)
	return msg, err
}

// headers are a MIME entity's headers: a message's or a part's.
type headers interface{ Get(string) string }

// walk reads one entity: a multipart's parts in turn, or a leaf.
func (msg *Message) walk(h headers, body io.Reader) error {
	ctype := h.Get("Content-Type")
	if ctype == "" {
		ctype = "text/plain; charset=utf-8"
	}
	media, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return fmt.Errorf("content type %q: %w", ctype, err)
	}
	if strings.HasPrefix(media, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			// NextRawPart: the transfer encoding is undone below, the
			// same way for every part.
			p, err := r.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", media, err)
			}
			if err := msg.walk(p.Header, p); err != nil {
				return err
			}
		}
	}
	data, err := decode(h.Get("Content-Transfer-Encoding"), body)
	if err != nil {
		return fmt.Errorf("%s: %w", media, err)
	}
	disposition, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	switch {
	case disposition == "attachment" || name != "":
		msg.Attachments = append(msg.Attachments, Attachment{Name: name, ContentType: ctype, Data: data})
	case media == "text/plain" && msg.Text == "":
		msg.Text = lines(data)
	case media == "text/html" && msg.HTML == "":
		msg.HTML = lines(data)
	}
	return nil
}

// lines is a text part with the line breaks a reader shows: mail
// carries them as CRLF.
func lines(data []byte) string { return strings.ReplaceAll(string(data), "\r\n", "\n") }

// decode undoes a part's Content-Transfer-Encoding.
func decode(encoding string, r io.Reader) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "base64":
		// The decoder skips the line breaks of base64 text.
		return io.ReadAll(base64.NewDecoder(base64.StdEncoding, r))
	case "quoted-printable":
		return io.ReadAll(quotedprintable.NewReader(r))
	case "", "7bit", "8bit", "binary":
		return io.ReadAll(r)
	}
	return nil, fmt.Errorf("unknown transfer encoding %q", encoding)
}
