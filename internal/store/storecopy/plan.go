package storecopy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// tablePlan is how one table is copied.
type tablePlan struct {
	name    string
	columns []columnPlan
	// sequences are the columns whose sequence must continue after the
	// copied rows.
	sequences []sequencePlan
}

type columnPlan struct {
	name    string
	convert converter
	// blob marks a BLOB column: the driver returns an empty one as nil, so
	// the SELECT adds its IS NULL beside it.
	blob bool
}

type sequencePlan struct {
	column, sequence string
	// rowid: the SQLite column aliases an AUTOINCREMENT rowid, whose
	// high-water mark in sqlite_sequence the sequence must pass as well.
	rowid bool
}

// plan matches the SQLite file's tables with the PostgreSQL schema's and
// returns the tables to copy in an order their foreign keys allow. Every
// table and column must be on both sides, with a conversion between their
// types, and every sequence must belong to a copied column; all the
// mismatches are reported together.
func plan(src map[string]*sqliteTable, dst *pgSchema) ([]tablePlan, error) {
	var problems []error
	for name := range src {
		_, skip := notCopiedFromSQLite[name]
		if skip || sqliteInternal(name) {
			continue
		}
		if t := dst.tables[name]; t == nil {
			problems = append(problems, fmt.Errorf("SQLite table %s has no PostgreSQL counterpart", name))
		} else if why, skip := notCopiedToPostgres[name]; skip {
			problems = append(problems, fmt.Errorf("SQLite table %s matches a PostgreSQL table the copy leaves alone (%s)", name, why))
		}
	}

	owned := map[string]bool{}
	var plans []tablePlan
	for _, t := range dst.copied() {
		s := src[t.name]
		if s == nil {
			problems = append(problems, fmt.Errorf("PostgreSQL table %s has no SQLite counterpart", t.name))
			continue
		}
		p, errs := planTable(s, t)
		problems = append(problems, errs...)
		for _, sq := range p.sequences {
			owned[sq.sequence] = true
		}
		plans = append(plans, p)
	}
	for _, seq := range dst.sequences {
		if !owned[seq] && !ownedByUncopied(dst, seq) {
			problems = append(problems, fmt.Errorf("PostgreSQL sequence %s belongs to no copied column, so nothing says where it must continue", seq))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("the SQLite and PostgreSQL schemas differ: %w", errors.Join(problems...))
	}
	return ordered(plans, dst)
}

// planTable pairs a table's columns by name.
func planTable(s *sqliteTable, t *pgTable) (tablePlan, []error) {
	var problems []error
	p := tablePlan{name: t.name}
	srcCols := map[string]sqliteColumn{}
	for _, c := range s.columns {
		srcCols[c.name] = c
	}
	for _, c := range t.columns {
		sc, ok := srcCols[c.name]
		delete(srcCols, c.name)
		switch {
		case !ok:
			problems = append(problems, fmt.Errorf("PostgreSQL column %s.%s has no SQLite counterpart", t.name, c.name))
			continue
		case c.generated:
			problems = append(problems, fmt.Errorf("PostgreSQL column %s.%s is generated; the copy cannot write it", t.name, c.name))
			continue
		case c.notNull && !sc.notNull:
			problems = append(problems, fmt.Errorf("column %s.%s is NOT NULL on PostgreSQL only", t.name, c.name))
			continue
		}
		conv, ok := converters[typePair{sc.typ, c.typ}]
		if !ok {
			problems = append(problems, fmt.Errorf("column %s.%s: no conversion from SQLite %s to PostgreSQL %s", t.name, c.name, sc.typ, c.typ))
			continue
		}
		p.columns = append(p.columns, columnPlan{name: c.name, convert: conv, blob: sc.typ == "BLOB"})
		if c.sequence != "" {
			p.sequences = append(p.sequences, sequencePlan{column: c.name, sequence: c.sequence, rowid: sc.rowid})
		}
	}
	for _, sc := range s.columns {
		if _, left := srcCols[sc.name]; left {
			problems = append(problems, fmt.Errorf("SQLite column %s.%s has no PostgreSQL counterpart", t.name, sc.name))
		}
	}
	return p, problems
}

// ownedByUncopied reports a sequence of a table the copy leaves alone.
func ownedByUncopied(dst *pgSchema, seq string) bool {
	for name := range notCopiedToPostgres {
		if t := dst.tables[name]; t != nil {
			for _, c := range t.columns {
				if c.sequence == seq {
					return true
				}
			}
		}
	}
	return false
}

// ordered sorts the plans so that every table comes after the tables its
// foreign keys reference (a table referencing itself is checked at the end
// of its own COPY statement); ties go by name, so the order is the same on
// every run.
func ordered(plans []tablePlan, dst *pgSchema) ([]tablePlan, error) {
	slices.SortFunc(plans, func(a, b tablePlan) int { return strings.Compare(a.name, b.name) })
	done := map[string]bool{}
	var out []tablePlan
	for len(out) < len(plans) {
		progress := false
		for _, p := range plans {
			if done[p.name] {
				continue
			}
			ready := true
			for _, ref := range dst.tables[p.name].references {
				if ref != p.name && !done[ref] {
					ready = false
					break
				}
			}
			if ready {
				done[p.name] = true
				out = append(out, p)
				progress = true
			}
		}
		if !progress {
			var left []string
			for _, p := range plans {
				if !done[p.name] {
					left = append(left, p.name)
				}
			}
			return nil, fmt.Errorf("the foreign keys of %s form a cycle (or point at a table not copied); no order fills them", strings.Join(left, ", "))
		}
	}
	return out, nil
}
