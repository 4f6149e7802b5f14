package page

import (
	"fmt"
	"strings"
	"time"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/lint"
)

// Checked is what the lint of articles without a lab checked against,
// and when: the header of such an article says it.
type Checked struct {
	Kubernetes string // lint's target release, "v1.37"
	Helm       string // "Helm 4"
	Date       time.Time
}

// Leads of a known-stale finding, by what it is about.
const (
	leadCommand    = "This command no longer works"
	leadManifest   = "This manifest no longer applies"
	leadDeprecated = "Deprecated, still accepted today"
)

// StaleIcon marks a calendar day whose article has known-stale steps.
const StaleIcon = "⚠"

// AddStale records what lint knows about the articles of arts that have no
// lab: every finding (arts are linted whole, see lint.Articles) is shown
// at the block that holds it, led by what it means to a reader, and the
// article gets its Evidence, the count of its removed commands and
// manifests and the header's sentence saying so. Call it after Compute.
func (m *Model) AddStale(arts []*content.Article, findings []lint.Finding, c Checked) {
	byPath := map[string][]lint.Finding{}
	for _, f := range findings {
		byPath[f.Path] = append(byPath[f.Path], f)
	}
	for _, a := range arts {
		if a.Lab != "" || !content.IsArticle(a.Path) || m.Articles[a.Path] != nil {
			continue
		}
		ar := &Article{Path: a.Path, Evidence: EvidenceNone}
		if len(a.Blocks) > 0 {
			ar.Evidence = EvidenceLint
		}
		var commands, manifests int
		for _, f := range byPath[a.Path] {
			b := m.Blocks[Key(f.Path, f.BlockLine)]
			if b == nil || b.Role != RolePlain {
				continue
			}
			n := note(f)
			switch {
			case notStale[f.Rule]:
				continue
			case f.Severity != lint.SeverityError:
				n.Lead = leadDeprecated
			case f.Rule == lint.RuleAPIRemoved:
				n.Lead = leadManifest
				manifests++
			default:
				n.Lead = leadCommand
				commands++
			}
			b.Notes = append(b.Notes, n)
		}
		ar.Stale = commands + manifests
		ar.StaleLine = staleLine(ar.Evidence, commands, manifests, c)
		if ar.Stale > 0 {
			ar.Icon = StaleIcon
			ar.Badge = fmt.Sprintf("%s %d outdated", StaleIcon, ar.Stale)
		}
		m.Articles[a.Path] = ar
	}
}

// notStale are the findings that say nothing about a step being
// outdated: a version or kind lint does not know, an API newer than the
// target, a file it could not read.
var notStale = map[lint.RuleID]bool{
	lint.RuleAPIUnknown: true, lint.RuleKindUnknown: true, lint.RuleAPINotYet: true, lint.RuleUnreadable: true,
}

// staleLine is the sentence an article without a lab shows in its header.
func staleLine(e Evidence, commands, manifests int, c Checked) string {
	if e == EvidenceNone {
		return "This article has no commands or manifests to check."
	}
	noun := "commands"
	switch {
	case commands == 0 && manifests > 0:
		noun = "manifests"
	case commands > 0 && manifests > 0:
		noun = "commands and manifests"
	}
	n := commands + manifests
	what := fmt.Sprintf("%d %s in this article are known to be outdated", n, noun)
	switch {
	case n == 0:
		what = "No command or manifest in this article is known to be outdated"
	case n == 1:
		what = fmt.Sprintf("1 %s in this article is known to be outdated", strings.TrimSuffix(noun, "s"))
	}
	against := "Kubernetes " + c.Kubernetes
	if c.Helm != "" {
		against += " and " + c.Helm
	}
	return fmt.Sprintf("%s (checked against %s on %s); its steps were never run.", what, against, day(c.Date))
}
