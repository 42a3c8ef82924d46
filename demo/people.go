package demo

import (
	"context"
	"fmt"

	"github.com/zwgk/zwgk/store"
)

// SeedPeople gives each demo office a contact and a head and the demo unit a supervising
// leader and a 政务公开办 contact, so that reminders and escalations of the demo list reach
// someone (in `zwgk dev` their messages land in the outbox). People are matched by email, so
// calling it again changes nothing.
func SeedPeople(ctx context.Context, st *store.Store) error {
	u, _, err := st.EnsureUnit(ctx, Unit)
	if err != nil {
		return fmt.Errorf("demo people: %w", err)
	}
	person := func(name, email string) (int64, error) {
		id, _, err := st.UpsertPerson(ctx, store.Person{Name: name, Email: email, Channels: []string{"email"}, Active: true})
		if err != nil {
			return 0, fmt.Errorf("demo person %s: %w", name, err)
		}
		return id, nil
	}
	for i, o := range Offices {
		off, err := st.FindOffice(ctx, u.ID, o.Name)
		if err != nil {
			return fmt.Errorf("demo people: %w", err)
		}
		for _, role := range []struct{ role, title, mail string }{
			{"contact", "联络员", "contact"},
			{"head", "负责人", "head"},
		} {
			id, err := person(o.Name+role.title, fmt.Sprintf("%s%d@demo.zwgk.invalid", role.mail, i+1))
			if err != nil {
				return err
			}
			if err := st.AttachOfficePerson(ctx, off.ID, id, role.role); err != nil {
				return fmt.Errorf("demo people: %w", err)
			}
		}
	}
	for _, s := range []struct {
		name, email, role string
		level             int
	}{
		{"政务公开办", "gkb@demo.zwgk.invalid", "gkb", 3},
		{"分管领导", "leader@demo.zwgk.invalid", "leader", 3},
	} {
		id, err := person(s.name, s.email)
		if err != nil {
			return err
		}
		if err := st.AttachSupervisor(ctx, u.ID, id, s.level, s.role); err != nil {
			return fmt.Errorf("demo people: %w", err)
		}
	}
	return nil
}
