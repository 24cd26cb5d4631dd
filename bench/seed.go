package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/tixallo/tixallo/internal/apikey"
	"github.com/tixallo/tixallo/internal/helpdesk"
)

// SeedOptions sizes the data set. The defaults are the issue's: at least
// 1,000 workspaces and 2,000 keys, and one big workspace with 100,000
// tickets of about 5,000 customers.
type SeedOptions struct {
	Workspaces        int // in all, the big one included
	KeysBig           int // keys of the big workspace (the load spreads over these)
	KeysPerSmall      int // keys of every other workspace
	Tickets           int // tickets of the big workspace
	Customers         int // customers of the big workspace
	Companies         int // companies of the big workspace
	Agents            int // agents of the big workspace, besides its owner
	TicketsPerSmall   int // tickets of every other workspace
	Batch             int // rows per write transaction when writing in bulk
	OwnerPassword     string
	HistoryDays       int // the big workspace's tickets spread over this many past days
	MessagesPerTicket int // each ticket gets 0..MessagesPerTicket public messages
	Seed              uint64
}

// DefaultSeedOptions returns the data set.
func DefaultSeedOptions() SeedOptions {
	return SeedOptions{
		Workspaces:        1000,
		KeysBig:           250,
		KeysPerSmall:      2,
		Tickets:           100_000,
		Customers:         5_000,
		Companies:         300,
		Agents:            12,
		TicketsPerSmall:   5,
		Batch:             5_000,
		OwnerPassword:     "bench correct horse battery staple",
		HistoryDays:       365,
		MessagesPerTicket: 2,
		Seed:              20261126,
	}
}

// Fixture is what the seeding made that the scenarios need.
type Fixture struct {
	WorkspaceID   string // the big workspace
	InboxID       string
	OwnerEmail    string // owner of the big workspace, for app-page scenarios
	OwnerPassword string
	AgentIDs      []string
	Keys          []string // full API keys of the big workspace
	TicketIDs     []string // unmerged tickets of the big workspace
	CustomerEmail []string // customers of the big workspace
	Counts        SeedCounts
}

// SeedCounts says what ended up in the database.
type SeedCounts struct {
	Workspaces, Keys, Tickets, Customers, Messages, Events int
	Elapsed                                                time.Duration
}

// seeder writes a realistic data set fast. The big workspace, its owner and
// its keys go through the Service, so they are exactly what the product
// makes; everything else goes through the Store's Writer in large
// transactions (one Service call is one transaction, which at 100,000
// tickets would be most of the run), with the rows the Service would have
// written and the events of the last 30 days (older ones would have been
// pruned).
type seeder struct {
	textGen
	store helpdesk.Store
	svc   *helpdesk.Service
	opts  SeedOptions
	now   time.Time
	fx    *Fixture
	// customerRows are the big workspace's customers, for the tickets.
	customerRows []*helpdesk.Customer
}

// Seed fills an empty store. It is used by the API benchmark and meant to be
// reused by the app-page benchmark.
func Seed(ctx context.Context, store helpdesk.Store, svc *helpdesk.Service, opts SeedOptions, progress func(string)) (*Fixture, error) {
	start := time.Now()
	s := &seeder{
		store: store, svc: svc, opts: opts,
		textGen: newTextGen(opts.Seed),
		now:     time.Now().UTC().Truncate(time.Microsecond),
		fx:      &Fixture{OwnerEmail: "owner@bench.example", OwnerPassword: opts.OwnerPassword},
	}
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"big workspace", s.bigWorkspace},
		{"other workspaces", s.smallWorkspaces},
		{"agents", s.agents},
		{"customers", s.customers},
		{"tickets", s.tickets},
	}
	for _, st := range steps {
		t0 := time.Now()
		if err := st.fn(ctx); err != nil {
			return nil, fmt.Errorf("seed %s: %w", st.name, err)
		}
		progress(fmt.Sprintf("seeded %s in %v", st.name, time.Since(t0).Round(time.Millisecond)))
	}
	s.fx.Counts.Elapsed = time.Since(start)
	return s.fx, nil
}

// id returns a UUIDv7 for a row created at t, so seeded ids sort by creation
// time like the ones the Service makes.
func (s *seeder) id(t time.Time) string {
	var b [16]byte
	ms := uint64(t.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	r1, r2 := s.rng.Uint64(), s.rng.Uint64()
	for i := 6; i < 16; i++ {
		if i < 14 {
			b[i] = byte(r1 >> (8 * (i - 6)))
		} else {
			b[i] = byte(r2 >> (8 * (i - 14)))
		}
	}
	b[6] = b[6]&0x0f | 0x70 // version 7
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	hex.Encode(out[9:13], b[4:6])
	hex.Encode(out[14:18], b[6:8])
	hex.Encode(out[19:23], b[8:10])
	hex.Encode(out[24:36], b[10:16])
	out[8], out[13], out[18], out[23] = '-', '-', '-', '-'
	return string(out[:])
}

// bigWorkspace signs up the owner of the big workspace (so the app-page
// benchmark can log in) and creates its keys through the Service.
func (s *seeder) bigWorkspace(ctx context.Context) error {
	in, err := s.svc.SignUp(ctx, helpdesk.NewAccount{
		Name: "Bench Owner", Email: s.fx.OwnerEmail, Password: s.opts.OwnerPassword, WorkspaceName: "Acme Support",
	}, "127.0.0.1")
	if err != nil {
		return err
	}
	s.fx.WorkspaceID = in.WorkspaceID
	inbox, err := s.store.DefaultInbox(ctx, in.WorkspaceID)
	if err != nil {
		return err
	}
	s.fx.InboxID = inbox.ID
	s.fx.Counts.Workspaces++
	owner := helpdesk.Actor{UserID: in.User.ID, Name: in.User.Name}
	for i := range s.opts.KeysBig {
		k, err := s.svc.CreateAPIKey(ctx, in.WorkspaceID, owner, helpdesk.NewAPIKey{Name: fmt.Sprintf("integration %d", i+1)})
		if err != nil {
			return err
		}
		s.fx.Keys = append(s.fx.Keys, k.Secret)
		s.fx.Counts.Keys++
	}
	return nil
}

// smallWorkspaces creates the other tenants in large transactions: each with
// its default inbox, a few keys, a customer and a few tickets, so the big
// workspace's rows share their tables and indexes with everyone else's.
func (s *seeder) smallWorkspaces(ctx context.Context) error {
	n := s.opts.Workspaces - 1
	per := max(1, s.opts.Batch/max(1, 3+s.opts.KeysPerSmall+2*s.opts.TicketsPerSmall))
	for lo := 0; lo < n; lo += per {
		hi := min(n, lo+per)
		err := s.store.InTx(ctx, func(tx helpdesk.Tx) error {
			for i := lo; i < hi; i++ {
				if err := s.smallWorkspace(ctx, tx, i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *seeder) smallWorkspace(ctx context.Context, tx helpdesk.Tx, i int) error {
	created := s.now.Add(-time.Duration(s.rng.IntN(s.opts.HistoryDays*24)) * time.Hour)
	w := &helpdesk.Workspace{ID: s.id(created), Name: fmt.Sprintf("Team %d", i+1), Slug: fmt.Sprintf("team-%d", i+1), CreatedAt: created}
	if err := tx.CreateWorkspace(ctx, w); err != nil {
		return err
	}
	inbox := &helpdesk.Inbox{ID: s.id(created), WorkspaceID: w.ID, Name: "Support", IsDefault: true, CreatedAt: created}
	if err := tx.CreateInbox(ctx, inbox); err != nil {
		return err
	}
	s.fx.Counts.Workspaces++
	for k := range s.opts.KeysPerSmall {
		secret, keyID, err := apikey.Generate(nil)
		if err != nil {
			return err
		}
		key := &helpdesk.APIKey{
			ID: s.id(created), WorkspaceID: w.ID, Name: fmt.Sprintf("key %d", k+1), KeyID: keyID,
			Hash: apikey.Hash(secret), Scope: helpdesk.ScopeReadWrite, CreatedAt: created, CreatedBy: helpdesk.ActorCLI,
		}
		if err := tx.CreateAPIKey(ctx, key); err != nil {
			return err
		}
		s.fx.Counts.Keys++
	}
	if s.opts.TicketsPerSmall == 0 {
		return nil
	}
	c := &helpdesk.Customer{ID: s.id(created), WorkspaceID: w.ID, Email: fmt.Sprintf("someone@team%d.example", i+1), CreatedAt: created, UpdatedAt: created}
	if err := tx.CreateCustomer(ctx, c); err != nil {
		return err
	}
	s.fx.Counts.Customers++
	if err := s.customerEvent(ctx, tx, c); err != nil {
		return err
	}
	for range s.opts.TicketsPerSmall {
		if _, err := s.ticket(ctx, tx, w.ID, inbox.ID, c, nil, created, nil); err != nil {
			return err
		}
	}
	return nil
}

// agents adds the big workspace's team; tickets are assigned among them.
func (s *seeder) agents(ctx context.Context) error {
	return s.store.InTx(ctx, func(tx helpdesk.Tx) error {
		for i := range s.opts.Agents {
			t := s.now.Add(-time.Duration(s.opts.HistoryDays) * 24 * time.Hour)
			u := &helpdesk.User{ID: s.id(t), Email: fmt.Sprintf("agent%d@bench.example", i+1), Name: pick(s.rng, firstNames) + " " + pick(s.rng, lastNames), CreatedAt: t, UpdatedAt: t}
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			m := &helpdesk.Member{WorkspaceID: s.fx.WorkspaceID, UserID: u.ID, Role: helpdesk.RoleAgent, Email: u.Email, Name: u.Name, CreatedAt: t}
			if err := tx.CreateMember(ctx, m); err != nil {
				return err
			}
			s.fx.AgentIDs = append(s.fx.AgentIDs, u.ID)
		}
		return nil
	})
}

// customers creates the big workspace's companies and customers: most
// customers with a name, two in three at one of the companies.
func (s *seeder) customers(ctx context.Context) error {
	start := s.now.Add(-time.Duration(s.opts.HistoryDays) * 24 * time.Hour)
	var companies []string
	err := s.store.InTx(ctx, func(tx helpdesk.Tx) error {
		for i := range s.opts.Companies {
			domain := fmt.Sprintf("%s%d.example", strings.ToLower(pick(s.rng, lastNames)), i+1)
			c := &helpdesk.Company{ID: s.id(start), WorkspaceID: s.fx.WorkspaceID, Name: fmt.Sprintf("%s %s", pick(s.rng, lastNames), pick(s.rng, companySuffixes)), Domain: &domain, CreatedAt: start}
			if err := tx.CreateCompany(ctx, c); err != nil {
				return err
			}
			companies = append(companies, c.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for lo := 0; lo < s.opts.Customers; lo += s.opts.Batch {
		hi := min(s.opts.Customers, lo+s.opts.Batch)
		err := s.store.InTx(ctx, func(tx helpdesk.Tx) error {
			for i := lo; i < hi; i++ {
				t := start.Add(time.Duration(i) * time.Minute)
				first, last := pick(s.rng, firstNames), pick(s.rng, lastNames)
				c := &helpdesk.Customer{
					ID: s.id(t), WorkspaceID: s.fx.WorkspaceID,
					Email:     fmt.Sprintf("%s.%s%d@customer%d.example", strings.ToLower(first), strings.ToLower(last), i, i%97),
					CreatedAt: t, UpdatedAt: t,
				}
				if s.rng.IntN(10) < 8 {
					name := first + " " + last
					c.Name = &name
				}
				if len(companies) > 0 && s.rng.IntN(3) < 2 {
					c.CompanyID = &companies[s.rng.IntN(len(companies))]
				}
				if err := tx.CreateCustomer(ctx, c); err != nil {
					return err
				}
				if err := s.customerEvent(ctx, tx, c); err != nil {
					return err
				}
				s.fx.Counts.Customers++
				s.customerRows = append(s.customerRows, c)
				s.fx.CustomerEmail = append(s.fx.CustomerEmail, c.Email)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
