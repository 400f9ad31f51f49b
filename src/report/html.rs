//! `report.html`: one self-contained page (no network, no external scripts or fonts):
//! headline numbers, the charts inlined as SVG, the mixes, findings by rule, a sortable and
//! filterable findings table, the inputs with their hashes, the policy. Every value is
//! escaped.

use crate::analyze::Analysis;
use crate::ingest::value::format_ts;
use crate::model::{EnrollmentMethod, JoinType, Management, Ownership, State};
use crate::rules::Severity;
use std::fmt::Write;

/// At most this many findings are listed in the page; all are in findings.csv.
pub const MAX_FINDING_ROWS: usize = 5000;

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

pub const STYLE: &str = r#"
:root{--fg:#1f2933;--muted:#616e7c;--line:#d9e2ec;--bg:#f5f7fa;--accent:#1565c0}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
header{background:#102a43;color:#fff;padding:20px 32px}
header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#bcccdc}
main{padding:24px 32px;max-width:1280px;margin:auto}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:18px 22px;margin:0 0 20px}
h2{font-size:17px;margin:0 0 12px}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px}
.kpi{border:1px solid var(--line);border-radius:8px;padding:12px 14px;background:#fff}
.kpi b{display:block;font-size:24px}
.kpi span{color:var(--muted)}
.kpi.error b{color:#c62828}.kpi.warning b{color:#ef6c00}.kpi.info b{color:#1565c0}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:16px}
.chart svg{width:100%;height:auto;border:1px solid var(--line);border-radius:6px}
.mix{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:16px 24px}
.mix h3{font-size:14px;margin:4px 0 6px}
figure{margin:0}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f0f4f8;position:sticky;top:0}
th.sortable{cursor:pointer;user-select:none}
th.sortable:after{content:" \2195";color:var(--muted)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.sev-error{color:#c62828;font-weight:600}.sev-warning{color:#ef6c00;font-weight:600}.sev-info{color:#1565c0}
.muted{color:var(--muted)}
code,.mono{font-family:"DejaVu Sans Mono",Consolas,monospace;font-size:12px;word-break:break-all}
#filter{width:100%;padding:8px 10px;margin:0 0 10px;border:1px solid var(--line);border-radius:6px;font-size:14px}
.scroll{max-height:640px;overflow:auto}
pre{background:#f0f4f8;padding:12px;border-radius:6px;overflow:auto}
@media print{body{background:#fff}header{background:#fff;color:#000;border-bottom:2px solid #000}header p{color:#333}
section{break-inside:avoid;border:none;padding:0}.scroll{max-height:none;overflow:visible}#filter{display:none}th{position:static}}
"#;

/// Sorting and filtering for tables marked `data-sortable`; errors are recorded on
/// `<body data-errors>` so a headless browser test can read them.
pub const SCRIPT: &str = r#"
(function(){
  var errors=0;
  window.addEventListener('error',function(){errors++;document.body.setAttribute('data-errors',String(errors));});
  function cellValue(td){var v=td.getAttribute('data-v');return v!==null?v:td.textContent;}
  document.querySelectorAll('table[data-sortable]').forEach(function(table){
    var ths=table.querySelectorAll('thead th');
    ths.forEach(function(th,i){
      th.classList.add('sortable');
      th.addEventListener('click',function(){
        var body=table.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
        var asc=th.getAttribute('data-dir')!=='asc';
        ths.forEach(function(o){o.removeAttribute('data-dir');});
        th.setAttribute('data-dir',asc?'asc':'desc');
        var num=th.classList.contains('num');
        rows.sort(function(a,b){
          var x=cellValue(a.cells[i]),y=cellValue(b.cells[i]);
          var c=num?(parseFloat(x)-parseFloat(y)):x.localeCompare(y);
          return asc?c:-c;
        });
        rows.forEach(function(r){body.appendChild(r);});
      });
    });
  });
  var filter=document.getElementById('filter');
  if(filter){
    var table=document.getElementById('findings');
    filter.addEventListener('input',function(){
      var q=filter.value.toLowerCase();var shown=0;
      Array.prototype.forEach.call(table.tBodies[0].rows,function(r){
        var hit=r.textContent.toLowerCase().indexOf(q)>=0;r.style.display=hit?'':'none';if(hit)shown++;
      });
      document.getElementById('shown').textContent=String(shown);
    });
  }
  document.body.setAttribute('data-ready','true');
  if(!document.body.hasAttribute('data-errors'))document.body.setAttribute('data-errors','0');
})();
"#;

fn mix_table<T: Copy>(
    title: &str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
    count: impl Fn(T) -> usize,
    total: usize,
) -> String {
    let mut s = format!("<div><h3>{}</h3><table><thead><tr><th>value</th><th class=\"num\">devices</th><th class=\"num\">share</th></tr></thead><tbody>", esc(title));
    for v in all {
        let n = count(*v);
        let share = if total > 0 {
            n as f64 * 100.0 / total as f64
        } else {
            0.0
        };
        let _ = write!(
            s,
            "<tr><td>{}</td><td class=\"num\">{n}</td><td class=\"num\">{share:.1}%</td></tr>",
            esc(name(*v))
        );
    }
    s.push_str("</tbody></table></div>");
    s
}

/// The page. `svgs` are the charts (already rendered), in `figures::analysis_charts` order.
pub fn page(
    a: &Analysis,
    svgs: &[(String, String)],
    plan: &[(State, &'static str, usize)],
) -> String {
    let n = a.devices.len();
    let open: Vec<&crate::rules::Finding> = a
        .outcome
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    let sev = |s: Severity| open.iter().filter(|f| f.severity == s).count();
    let stale = a.devices.iter().filter(|d| d.stale).count();
    let state = |s: State| a.devices.iter().filter(|d| d.state == s).count();
    let rejected: u64 = a.inputs.iter().map(|i| i.rows_rejected()).sum();
    let as_of = a.as_of.map(format_ts).unwrap_or_else(|| "null".into());
    let mut h = String::with_capacity(1 << 20);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>fleetstate report, as of {as_of}</title><style>{STYLE}</style></head>\n<body>\n\
         <header><h1>Windows fleet enrollment report</h1><p>as of {as_of} · {n} devices · {} inputs · {}</p></header>\n<main>\n",
        esc(&a.inputs.len().to_string()),
        esc(concat!("fleetstate ", env!("CARGO_PKG_VERSION")))
    );
    // Headline numbers.
    let pct = |x: usize| {
        if n > 0 {
            format!("{:.1}%", x as f64 * 100.0 / n as f64)
        } else {
            "–".into()
        }
    };
    let _ = write!(
        h,
        "<section id=\"headline\"><h2>Headline</h2><div class=\"kpis\">"
    );
    for (cls, value, label) in [
        ("", n.to_string(), "devices".to_string()),
        (
            "",
            pct(state(State::EntraJoined)),
            "Entra joined (cloud-native)".to_string(),
        ),
        ("", pct(state(State::CoManaged)), "co-managed".to_string()),
        (
            "",
            pct(state(State::HybridJoined)
                + state(State::HybridPending)
                + state(State::ConfigMgrOnly)),
            "hybrid or ConfigMgr only".to_string(),
        ),
        (
            "",
            stale.to_string(),
            format!("stale (> {} days)", a.policy.activity.stale_days),
        ),
        (
            "error",
            sev(Severity::Error).to_string(),
            "error findings".to_string(),
        ),
        (
            "warning",
            sev(Severity::Warning).to_string(),
            "warning findings".to_string(),
        ),
        (
            "info",
            sev(Severity::Info).to_string(),
            "info findings".to_string(),
        ),
        ("", rejected.to_string(), "rejected input rows".to_string()),
    ] {
        let _ = write!(
            h,
            "<div class=\"kpi {cls}\"><b>{}</b><span>{}</span></div>",
            esc(&value),
            esc(&label)
        );
    }
    h.push_str("</div></section>\n");
    // Charts.
    h.push_str("<section id=\"charts\"><h2>Charts</h2><div class=\"charts\">");
    for (name, svg) in svgs {
        let body = svg.find("<svg").map(|i| &svg[i..]).unwrap_or(svg);
        let _ = write!(
            h,
            "<figure class=\"chart\" id=\"chart-{}\">{body}</figure>",
            esc(name)
        );
    }
    h.push_str("</div></section>\n");
    // Mixes.
    h.push_str("<section id=\"mix\"><h2>Fleet mix</h2><div class=\"mix\">");
    h.push_str(&mix_table("state", State::ALL, State::as_str, state, n));
    h.push_str(&mix_table(
        "join type",
        JoinType::ALL,
        JoinType::as_str,
        |j| a.devices.iter().filter(|d| d.join_type == j).count(),
        n,
    ));
    h.push_str(&mix_table(
        "management",
        Management::ALL,
        Management::as_str,
        |m| a.devices.iter().filter(|d| d.management == m).count(),
        n,
    ));
    h.push_str(&mix_table(
        "ownership",
        Ownership::ALL,
        Ownership::as_str,
        |o| a.devices.iter().filter(|d| d.ownership == o).count(),
        n,
    ));
    h.push_str(&mix_table(
        "enrollment method",
        EnrollmentMethod::ALL,
        EnrollmentMethod::as_str,
        |m| {
            a.devices
                .iter()
                .filter(|d| d.enrollment_method == m)
                .count()
        },
        n,
    ));
    h.push_str("</div></section>\n");
    // The migration plan (fleetstate recommend), as a funnel.
    let _ = write!(
        h,
        "<section id=\"plan\"><h2>Migration plan (target: {})</h2><table data-sortable><thead><tr><th>state</th><th>next step</th><th class=\"num\">devices</th></tr></thead><tbody>",
        esc(&a.policy.recommend.target)
    );
    for (state, step, count) in plan {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{count}</td></tr>",
            esc(state.as_str()),
            esc(step)
        );
    }
    h.push_str("</tbody></table><p class=\"muted\">Per device: <code>fleetstate recommend</code> writes recommendations.csv with the reason and the guidance.</p></section>\n");
    // Findings by rule.
    h.push_str("<section id=\"rules\"><h2>Findings by rule</h2><table data-sortable><thead><tr><th>rule</th><th>name</th><th>severity</th><th class=\"num\">findings</th><th class=\"num\">suppressed</th></tr></thead><tbody>");
    for code in &a.rules_evaluated {
        let fs: Vec<&crate::rules::Finding> = a
            .outcome
            .findings
            .iter()
            .filter(|f| f.rule.code == *code)
            .collect();
        if fs.is_empty() {
            continue;
        }
        let (rule, severity) = (fs[0].rule, fs[0].severity);
        let supp = fs.iter().filter(|f| f.suppressed.is_some()).count();
        let _ = write!(
            h,
            "<tr><td class=\"mono\">{}</td><td>{}</td><td class=\"sev-{s}\">{s}</td><td class=\"num\">{}</td><td class=\"num\">{supp}</td></tr>",
            esc(rule.code),
            esc(rule.name),
            fs.len() - supp,
            s = severity.as_str()
        );
    }
    h.push_str("</tbody></table></section>\n");
    // Findings table.
    let total = a.outcome.findings.len();
    let listed = total.min(MAX_FINDING_ROWS);
    let _ = write!(
        h,
        "<section id=\"findings-section\"><h2>Findings</h2><input id=\"filter\" type=\"search\" placeholder=\"Filter findings (rule, device, evidence...)\">\
         <p class=\"muted\"><span id=\"shown\">{listed}</span> shown of {total}{}</p><div class=\"scroll\"><table id=\"findings\" data-sortable><thead><tr>\
         <th>rule</th><th>severity</th><th>device_key</th><th>device_name</th><th>evidence</th><th>suppressed</th></tr></thead><tbody>",
        if total > listed { "; the full list is in findings.csv" } else { "" }
    );
    for f in a.outcome.findings.iter().take(MAX_FINDING_ROWS) {
        let d = &a.devices[f.device];
        let _ = write!(
            h,
            "<tr><td class=\"mono\" title=\"{}\">{}</td><td class=\"sev-{s}\">{s}</td><td class=\"mono\">{}</td><td>{}</td><td class=\"mono\">{}</td><td>{}</td></tr>",
            esc(f.rule.name),
            esc(f.rule.code),
            esc(&d.device_key.to_string()),
            esc(d.device_name.as_deref().unwrap_or("")),
            esc(&f.evidence),
            esc(f.suppressed.as_deref().unwrap_or("")),
            s = f.severity.as_str()
        );
    }
    h.push_str("</tbody></table></div></section>\n");
    // Inputs.
    h.push_str("<section id=\"inputs\"><h2>Inputs</h2><table data-sortable><thead><tr><th>file</th><th>source</th><th>form</th><th class=\"num\">read</th><th class=\"num\">used</th><th class=\"num\">rejected</th><th class=\"num\">skipped</th><th>sha256</th></tr></thead><tbody>");
    for i in &a.inputs {
        let _ = write!(
            h,
            "<tr><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"mono\">{}</td></tr>",
            esc(&i.display_path()),
            esc(i.source.as_str()),
            esc(i.form.as_str()),
            i.rows_read,
            i.rows_used(),
            i.rows_rejected(),
            i.rows_skipped(),
            esc(&i.sha256)
        );
    }
    h.push_str("</tbody></table></section>\n");
    // Warnings and the policy.
    let warnings = a.warnings();
    if !warnings.is_empty() {
        let _ = write!(
            h,
            "<section id=\"warnings\"><h2>Warnings ({})</h2><div class=\"scroll\"><ul>",
            warnings.len()
        );
        for w in warnings.iter().take(500) {
            let _ = write!(h, "<li>{}</li>", esc(&w.to_string()));
        }
        h.push_str("</ul></div></section>\n");
    }
    let policy = serde_json::to_string_pretty(&a.policy).unwrap_or_default();
    let _ = writeln!(
        h,
        "<section id=\"policy\"><h2>Policy in effect</h2><pre>{}</pre></section>",
        esc(&policy)
    );
    let _ = write!(h, "</main>\n<script>{SCRIPT}</script>\n</body></html>\n");
    h
}
