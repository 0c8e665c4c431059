package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
)

// migrationDriver is the smallest database/sql driver over one pgx
// connection that goose needs to run migrations: plain statements, simple
// queries of its version table and transactions. pgx's own stdlib driver
// depends on pgxpool, whose module the build does not carry; this one is
// used by Migrate only.
type migrationDriver struct{ url string }

func (d migrationDriver) Open(string) (driver.Conn, error) {
	return d.Connect(context.Background())
}

// Connect implements driver.Connector.
func (d migrationDriver) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := pgx.Connect(ctx, d.url)
	if err != nil {
		return nil, err
	}
	return &migrationConn{c: c}, nil
}

// Driver implements driver.Connector.
func (d migrationDriver) Driver() driver.Driver { return d }

func openMigrationDB(url string) *sql.DB {
	db := sql.OpenDB(migrationDriver{url: url})
	db.SetMaxOpenConns(1)
	return db
}

type migrationConn struct{ c *pgx.Conn }

func (mc *migrationConn) Prepare(query string) (driver.Stmt, error) {
	return migrationStmt{mc, query}, nil
}

func (mc *migrationConn) Close() error { return mc.c.Close(context.Background()) }

func (mc *migrationConn) Begin() (driver.Tx, error) {
	return mc.BeginTx(context.Background(), driver.TxOptions{})
}

func (mc *migrationConn) BeginTx(ctx context.Context, _ driver.TxOptions) (driver.Tx, error) {
	if _, err := mc.c.Exec(ctx, "BEGIN"); err != nil {
		return nil, err
	}
	return migrationTx{mc}, nil
}

func (mc *migrationConn) Ping(ctx context.Context) error { return mc.c.Ping(ctx) }

func (mc *migrationConn) ResetSession(context.Context) error {
	if mc.c.IsClosed() {
		return driver.ErrBadConn
	}
	return nil
}

func (mc *migrationConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	tag, err := mc.c.Exec(ctx, query, namedArgs(args)...)
	if err != nil {
		return nil, err
	}
	return driver.RowsAffected(tag.RowsAffected()), nil
}

func (mc *migrationConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := mc.c.Query(ctx, query, namedArgs(args)...)
	if err != nil {
		return nil, err
	}
	return &migrationRows{rows: rows}, nil
}

func namedArgs(args []driver.NamedValue) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a.Value
	}
	return out
}

type migrationTx struct{ mc *migrationConn }

func (t migrationTx) Commit() error {
	_, err := t.mc.c.Exec(context.Background(), "COMMIT")
	return err
}

func (t migrationTx) Rollback() error {
	_, err := t.mc.c.Exec(context.Background(), "ROLLBACK")
	return err
}

type migrationStmt struct {
	mc    *migrationConn
	query string
}

func (s migrationStmt) Close() error  { return nil }
func (s migrationStmt) NumInput() int { return -1 }

func (s migrationStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.mc.ExecContext(context.Background(), s.query, valuesToNamed(args))
}

func (s migrationStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.mc.QueryContext(context.Background(), s.query, valuesToNamed(args))
}

func valuesToNamed(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

type migrationRows struct{ rows pgx.Rows }

func (r *migrationRows) Columns() []string {
	fds := r.rows.FieldDescriptions()
	names := make([]string, len(fds))
	for i, fd := range fds {
		names[i] = fd.Name
	}
	return names
}

func (r *migrationRows) Close() error {
	r.rows.Close()
	return r.rows.Err()
}

func (r *migrationRows) Next(dest []driver.Value) error {
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return io.EOF
	}
	vals, err := r.rows.Values()
	if err != nil {
		return err
	}
	for i, v := range vals {
		dv, err := driverValue(v)
		if err != nil {
			return fmt.Errorf("column %d: %w", i, err)
		}
		dest[i] = dv
	}
	return nil
}

// driverValue narrows the values of goose's version table (integers,
// booleans, timestamps, text) to the types database/sql accepts.
func driverValue(v any) (driver.Value, error) {
	switch x := v.(type) {
	case nil, int64, float64, bool, []byte, string, time.Time:
		return x, nil
	case int32:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case float32:
		return float64(x), nil
	default:
		return nil, fmt.Errorf("unsupported value of type %T", v)
	}
}
