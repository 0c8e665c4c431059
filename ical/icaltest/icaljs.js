// Reads iCalendar bodies, one JSON string a line on stdin, with ical.js
// (NODE_PATH names its node_modules) and writes, for each in order, one
// JSON line: {"line": n, "problems": [...]}, empty when ical.js takes it.
"use strict";
const ICAL = require("ical.js");

// check returns what is wrong with one body: whatever ICAL.parse throws
// on, or what a calendar needs of each event and finds missing.
function check(body) {
  let cal;
  try {
    const jcal = ICAL.parse(body);
    if (!Array.isArray(jcal) || jcal[0] !== "vcalendar") {
      return ["not one VCALENDAR"];
    }
    cal = new ICAL.Component(jcal);
  } catch (e) {
    return ["ICAL.parse: " + e.message];
  }
  const problems = [];
  if (cal.getFirstPropertyValue("version") !== "2.0" || cal.getAllProperties("prodid").length !== 1) {
    problems.push("VCALENDAR: no VERSION:2.0 or no single PRODID");
  }
  const events = cal.getAllSubcomponents("vevent");
  if (events.length === 0) {
    problems.push("no VEVENT");
  }
  events.forEach((ev, i) => {
    const where = "VEVENT " + (i + 1);
    for (const name of ["uid", "dtstamp", "dtstart"]) {
      if (ev.getAllProperties(name).length !== 1) {
        problems.push(where + ": " + ev.getAllProperties(name).length + " " + name.toUpperCase());
      }
    }
    const ends = ev.getAllProperties("dtend").length + ev.getAllProperties("duration").length;
    if (ends !== 1) {
      problems.push(where + ": " + ends + " DTEND or DURATION");
    }
    // Typed values are read on demand: a malformed date-time throws here
    // (a malformed integer or duration does not: ical.js reads them as 0
    // or as what it can, which the other two parsers refuse).
    for (const name of ["dtstamp", "dtstart", "dtend", "duration"]) {
      try {
        ev.getFirstPropertyValue(name);
      } catch (e) {
        problems.push(where + ": " + name.toUpperCase() + ": " + e.message);
      }
    }
    try {
      const e = new ICAL.Event(ev);
      if (e.endDate.compare(e.startDate) <= 0) {
        problems.push(where + ": ends " + e.endDate + ", not after its start " + e.startDate);
      }
    } catch (e) {
      problems.push(where + ": " + e.message);
    }
  });
  return problems;
}

const lines = require("fs").readFileSync(0, "utf8").split("\n").filter((l) => l !== "");
lines.forEach((l, i) => {
  process.stdout.write(JSON.stringify({ line: i, problems: check(JSON.parse(l)) }) + "\n");
});
