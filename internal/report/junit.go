package report

import (
	"encoding/xml"
	"fmt"
	"os"
	"strings"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     float64      `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       float64         `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      float64       `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Body    string `xml:",chardata"`
}

// Suite is one lab run as JUnit sees it.
type Suite struct {
	Lab string
	Run *Run
}

// WriteJUnit writes the runs as JUnit XML: a testsuite per lab and
// Kubernetes version, a testcase per step.
func WriteJUnit(path string, suites []Suite) error {
	var all junitSuites
	for _, s := range suites {
		name := s.Lab
		if s.Run.Kubernetes != "" {
			name += " (kubernetes " + s.Run.Kubernetes + ")"
		}
		js := junitSuite{
			Name:      name,
			Time:      float64(s.Run.DurationMS) / 1000,
			Timestamp: s.Run.Started.UTC().Format("2006-01-02T15:04:05"),
			Properties: []junitProperty{
				{Name: "mode", Value: s.Run.Mode.String()},
				{Name: "stand_ins", Value: strings.Join(s.Run.StandIns, ",")},
			},
		}
		for _, st := range s.Run.Steps {
			c := junitCase{Name: st.Name, Classname: "advent.lab." + s.Lab, Time: float64(st.DurationMS) / 1000}
			switch st.Status {
			case Fail:
				c.Failure = &junitMessage{Message: st.Reason, Body: st.Diff + strings.Join(st.OutputTail, "\n")}
				js.Failures++
			case Pass:
			default:
				c.Skipped = &junitMessage{Message: string(st.Status) + ": " + st.Reason}
				js.Skipped++
			}
			js.Cases = append(js.Cases, c)
			js.Tests++
		}
		if len(s.Run.Leaks) > 0 {
			js.Cases = append(js.Cases, junitCase{Name: "leak check", Classname: "advent.lab." + s.Lab,
				Failure: &junitMessage{Message: "resources left behind", Body: strings.Join(s.Run.Leaks, "\n")}})
			js.Tests++
			js.Failures++
		}
		all.Suites = append(all.Suites, js)
		all.Tests += js.Tests
		all.Failures += js.Failures
		all.Skipped += js.Skipped
		all.Time += js.Time
	}
	b, err := xml.MarshalIndent(all, "", "  ")
	if err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	if err := os.WriteFile(path, append([]byte(xml.Header), append(b, '\n')...), 0o644); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	return nil
}
