// Independent iCalendar reader for the C# calendar tests: parses a file with the npm package ical.js and
// prints its method and events as JSON, times both as wall-clock in the event's own zone and as UTC,
// resolved through the VTIMEZONE blocks the file carries (not the machine's time-zone database).
// Usage: node ical-events.mjs <file.ics>
import { readFileSync } from 'node:fs';
import ICAL from 'ical.js';

const file = process.argv[2];
if (!file) {
  console.error('usage: node ical-events.mjs <file.ics>');
  process.exit(2);
}

const calendar = new ICAL.Component(ICAL.parse(readFileSync(file, 'utf8')));
const zones = calendar.getAllSubcomponents('vtimezone').map((vtimezone) => {
  const zone = new ICAL.Timezone(vtimezone);
  ICAL.TimezoneService.register(zone);
  return zone.tzid;
});

const time = (t) => ({
  zone: t.zone ? t.zone.tzid : null,
  local: t.toString(),
  utc: t.toJSDate().toISOString(),
  offsetMinutes: t.utcOffset() / 60,
});

const events = calendar.getAllSubcomponents('vevent').map((vevent) => {
  const event = new ICAL.Event(vevent);
  return {
    uid: event.uid,
    summary: event.summary,
    status: vevent.getFirstPropertyValue('status'),
    sequence: event.sequence,
    start: time(event.startDate),
    end: time(event.endDate),
  };
});

process.stdout.write(JSON.stringify({
  method: calendar.getFirstPropertyValue('method'),
  timezones: zones,
  events,
}));
