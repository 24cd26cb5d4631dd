package helpdesk

import "time"

// Customer is a person who writes to the workspace. Email is unique per
// workspace, stored trimmed and lower-cased so comparisons are exact.
type Customer struct {
	ID          string
	WorkspaceID string
	Email       string
	Name        *string
	CompanyID   *string
	CreatedAt   time.Time
	UpdatedAt   time.Time

	// Company is filled by reads that join it; nil when the customer has none.
	Company *Company
}

// Company is an organisation that customers belong to.
type Company struct {
	ID          string
	WorkspaceID string
	Name        string
	Domain      *string
	CreatedAt   time.Time
}

// CustomerFilter selects customers for a list page.
type CustomerFilter struct {
	Query     string // matches email or name, case-insensitively
	CompanyID string
	Offset    int
	Limit     int
}
