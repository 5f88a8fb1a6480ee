// Live highlighting as one types: the draft is sent to this app's own /api/check (never elsewhere), after a
// pause in typing, and the result is drawn with textContent only (post text is never parsed as HTML).
(function () {
  "use strict";
  var form = document.getElementById("check-form");
  if (!form || !window.fetch) { return; }
  var status = document.getElementById("live-status");
  var result = document.getElementById("result");
  var timer = null, seq = 0, DELAY = 400;
  var ORDER = { high: 3, medium: 2, low: 1 };

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function labelled(cls, label, text) {
    var p = el("p", { "class": cls });
    p.appendChild(el("span", { "class": "label" }, label + " "));
    p.appendChild(document.createTextNode(text));
    return p;
  }
  function draw(text, doc) {
    result.textContent = "";
    var fs = doc.findings || [];
    var verdict = doc.blocking ? ["PHI found: do not post as written", "high"]
      : fs.length ? ["Review the notes below", "medium"] : ["No PHI found", "ok"];
    result.appendChild(el("h2", { id: "verdict", "class": "verdict " + verdict[1] }, verdict[0]));
    var cps = Array.from(text);  // offsets count code points, as Python does
    var spans = fs.filter(function (f) { return f.field === "text" && f.start >= 0 && f.end <= cps.length && f.start < f.end; });
    var cuts = [0, cps.length];
    spans.forEach(function (f) { cuts.push(f.start, f.end); });
    cuts = cuts.filter(function (v, i, a) { return a.indexOf(v) === i; }).sort(function (a, b) { return a - b; });
    var post = el("div", { id: "post", "class": "post" });
    for (var i = 0; i + 1 < cuts.length; i++) {
      var a = cuts[i], b = cuts[i + 1], piece = cps.slice(a, b).join("");
      var over = spans.filter(function (f) { return f.start <= a && b <= f.end; });
      if (!over.length) { post.appendChild(document.createTextNode(piece)); continue; }
      var sev = over.reduce(function (s, f) { return ORDER[f.severity] > ORDER[s] ? f.severity : s; }, "low");
      var codes = over.map(function (f) { return f.rule; }).filter(function (v, j, l) { return l.indexOf(v) === j; }).join(" ");
      post.appendChild(el("mark", { "class": "sev-" + sev, "data-rules": codes, title: codes }, piece));
    }
    result.appendChild(post);
    var list = el("ol", { id: "findings", "class": "findings" });
    fs.slice().sort(function (x, y) { return (ORDER[y.severity] - ORDER[x.severity]) || (x.start - y.start); }).forEach(function (f) {
      var li = el("li", { "class": "finding sev-" + f.severity, "data-rule": f.rule });
      var head = el("p");
      head.appendChild(el("strong", { "class": "sev" }, f.severity.toUpperCase()));
      head.appendChild(document.createTextNode(" "));
      head.appendChild(el("strong", { "class": "code" }, f.rule));
      head.appendChild(document.createTextNode(" "));
      head.appendChild(el("a", { href: "/rules/" + encodeURIComponent(f.rule) }, f.rule_name));
      head.appendChild(document.createTextNode(": "));
      head.appendChild(el("q", { "class": "evidence" }, f.evidence));
      head.appendChild(document.createTextNode(" (" + f.field + ":" + f.start + "-" + f.end + ")"));
      li.appendChild(head);
      li.appendChild(el("p", { "class": "message" }, f.message));
      li.appendChild(labelled("why", "Why:", f.explanation || ""));
      if (f.policies && f.policies.length) { li.appendChild(labelled("policy", "Policy:", f.policies.join("; "))); }
      var instead = (doc.instead || {})[f.rule];
      if (instead) { li.appendChild(labelled("instead", "Write instead:", instead)); }
      list.appendChild(li);
    });
    result.appendChild(list);
    if (doc.rewrite && doc.blocking) {
      var h = el("h3");
      h.appendChild(el("label", { "for": "rewrite" }, "Safer rewrite (identifiers replaced)"));
      result.appendChild(h);
      var ta = el("textarea", { id: "rewrite", rows: "4", cols: "80", readonly: "" });
      ta.value = doc.rewrite;
      result.appendChild(ta);
    }
  }
  function run() {
    var text = form.elements.text.value;
    if (!text.trim()) { result.textContent = ""; status.textContent = ""; return; }
    var mine = ++seq;
    var body = { text: text, platform: form.elements.platform.value, created_at: form.elements.created_at.value,
                 reply_to: form.elements.reply_to.value, account_type: form.elements.account_type.value };
    status.textContent = "checking...";
    fetch("/api/check", { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
                          body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (d) { return [r.ok, d]; }); })
      .then(function (pair) {
        if (mine !== seq) { return; }
        if (!pair[0]) { status.textContent = pair[1].error || "error"; return; }
        status.textContent = "checked as you type";
        draw(text.replace(/\r\n/g, "\n"), pair[1]);
      })
      .catch(function () { if (mine === seq) { status.textContent = "live check unavailable; use the Check button"; } });
  }
  function later() { clearTimeout(timer); timer = setTimeout(run, DELAY); }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
}());
