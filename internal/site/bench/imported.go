package main

import (
	"context"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"

	"github.com/sysadvent/advent/internal/importer"
)

// importedFirstYear is the first year of the imported corpus: 25 articles a
// year from there on, all before the project's own years.
const importedFirstYear = 1980

// importedCorpus writes a copy of the project plus n articles imported
// with internal/importer from a generated Blogger export: posts of a
// few paragraphs, a list, a table and three code blocks without a
// language (a transcript with a Helm 2 command, a manifest with a removed
// API, a shell script), so that both the import and the build's lint of
// articles without a lab have their usual work.
func importedCorpus(root, dst string, n int) error {
	if err := copyProject(root, dst); err != nil {
		return err
	}
	export := filepath.Join(dst, ".export.xml")
	if err := os.WriteFile(export, []byte(bloggerExport(n)), 0o644); err != nil {
		return err
	}
	defer os.Remove(export)
	rep, err := importer.Run(context.Background(), importer.Options{Root: dst, From: export})
	if err != nil {
		return err
	}
	if len(rep.Articles) != n || rep.Dropped() != 0 {
		return fmt.Errorf("imported %d articles of %d, %d words dropped", len(rep.Articles), n, rep.Dropped())
	}
	return nil
}

// bloggerExport is a Blogger export of n December posts.
func bloggerExport(n int) string {
	var b strings.Builder
	b.WriteString("<?xml version='1.0' encoding='UTF-8'?>\n<feed xmlns='http://www.w3.org/2005/Atom'>\n<id>tag:bench</id>\n<title>Bench</title>\n")
	for i := range n {
		year, day := importedFirstYear+i/25, i%25+1
		body := fmt.Sprintf(`<p>Article %d explains how a service on host%d was set up, checked and kept running in %d.</p>
<p>First look at what runs, then change one thing at a time, and write down what you saw.</p>
<pre>$ helm init
$ kubectl get pods -n app%d
NAME      READY   STATUS
web-%d     1/1     Running</pre>
<ul><li>Check the logs<ul><li>of the service</li><li>of the load balancer</li></ul></li><li>Roll back if needed</li></ul>
<pre>apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: web%d
spec:
  replicas: 2</pre>
<table><tr><th>Host</th><th>Role</th></tr><tr><td>host%d</td><td>web</td></tr><tr><td>db%d</td><td>database</td></tr></table>
<pre>#!/bin/sh
for h in host%d db%d; do ssh "$h" uptime; done</pre>
<p>See the <a href="https://example.org/docs/%d">reference</a> for the options, and the previous day for the setup.</p>`,
			i, i, year, i, i, i, i, i, i, i, i)
		fmt.Fprintf(&b, `<entry><id>tag:bench.post-%d</id><published>%d-12-%02dT09:00:00Z</published>
<category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#post'/>
<category scheme='http://www.blogger.com/atom/ns#' term='ops'/>
<title>Day %d: keeping service %d running</title>
<link rel='alternate' href='http://bench.example.org/%d/12/day-%d-service-%d.html'/>
<author><name>Author %d</name></author>
<content type='html'>%s</content>
</entry>
`, i, year, day, day, i, year, day, i, i%40, html.EscapeString(body))
	}
	b.WriteString("</feed>\n")
	return b.String()
}
