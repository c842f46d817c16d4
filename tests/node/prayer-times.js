'use strict';
// Independent reference for the C# prayer-time tests: prints one JSON line per date of a year with the
// times the npm package `adhan` gives for Kemenag parameters, as local "HH:mm:ss" in the given zone.
// Usage: node prayer-times.js <latitude> <longitude> <IANA zone> <year> <ihtiyatMinutes>
const adhan = require('adhan');

const [latitude, longitude, zone, year, ihtiyat] = process.argv.slice(2);
if (!zone || !year) {
  console.error('usage: node prayer-times.js <latitude> <longitude> <zone> <year> <ihtiyatMinutes>');
  process.exit(2);
}

const params = adhan.CalculationMethod.MuslimWorldLeague();
params.fajrAngle = 20;
params.ishaAngle = 18;
params.madhab = adhan.Madhab.Shafi;
// Drop the method's own +1 min on Dhuhr and mirror Kemenag's ihtiyat instead, and keep the seconds
// (no rounding) so the comparison measures the astronomy, not two rounding rules.
params.methodAdjustments = { fajr: 0, sunrise: 0, dhuhr: 0, asr: 0, maghrib: 0, isha: 0 };
const m = Number(ihtiyat ?? 2);
params.adjustments = { fajr: m, sunrise: -m, dhuhr: m, asr: m, maghrib: m, isha: m };
params.rounding = adhan.Rounding.None;

const coordinates = new adhan.Coordinates(Number(latitude), Number(longitude));
const format = new Intl.DateTimeFormat('en-GB', {
  timeZone: zone, hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit',
  year: 'numeric', month: '2-digit', day: '2-digit',
});
const local = (d) => {
  const p = Object.fromEntries(format.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour === '24' ? '00' : p.hour}:${p.minute}:${p.second}`;
};

const rows = [];
for (let day = new Date(Number(year), 0, 1); day.getFullYear() === Number(year); day.setDate(day.getDate() + 1)) {
  // adhan reads the calendar date from the Date's local fields, so a local midnight names the date.
  const t = new adhan.PrayerTimes(coordinates, new Date(day), params);
  const date = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
  rows.push({
    date,
    fajr: local(t.fajr), sunrise: local(t.sunrise), dhuhr: local(t.dhuhr),
    asr: local(t.asr), maghrib: local(t.maghrib), isha: local(t.isha),
  });
}
process.stdout.write(JSON.stringify(rows));
