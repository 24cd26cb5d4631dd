package webhook

import (
	"os"
	"testing"

	"github.com/tixallo/tixallo/internal/store/teststore"
)

// TestMain runs every test on SQLite and, when TIXALLO_TEST_POSTGRES holds
// a URL, again on PostgreSQL.
func TestMain(m *testing.M) { os.Exit(teststore.Main(m)) }
