using System.Globalization;
using System.Net;
using System.Text;
using NodaTime;
using NodaTime.Text;

namespace BkOutreach.Core.Participation;

/// <summary>
/// The dashboard as one self-contained HTML page: inline CSS and SVG, no script, no external resource.
/// Every text from data passes through <see cref="WebUtility.HtmlEncode"/> (names, class and campaign names
/// are typed by people). No key is ever in the page: the attendance forms post to plain paths with the
/// caller's anti-forgery token (<see cref="Access.FormTokens"/>) as a hidden field.
/// </summary>
public static class DashboardRenderer
{
    public const string ContentType = "text/html; charset=utf-8";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly LocalDateTimePattern When = LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd' 'HH':'mm");
    private static readonly string[] DayNames = ["", "Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"];

    private static readonly Dictionary<string, string> SlotLabels = new(StringComparer.Ordinal)
    {
        ["weekday_evening"] = "Malam hari kerja / Weekday evening",
        ["saturday"] = "Sabtu / Saturday",
        ["sunday"] = "Minggu / Sunday",
        ["weekday_daytime"] = "Siang hari kerja / Weekday daytime",
        ["in_person"] = "Tatap muka / In person",
        ["online"] = "Online",
    };

    public static string Render(DashboardModel model, string? formToken)
    {
        var html = new StringBuilder(64 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"id\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<title>Dashboard BK · ")
            .Append(E(model.SchoolName)).Append("</title>\n<style>")
            .Append("body{font-family:system-ui,sans-serif;margin:1rem auto;max-width:60rem;padding:0 1rem;color:#1b1b1b}")
            .Append("table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left}")
            .Append("td.n{text-align:right;font-variant-numeric:tabular-nums}section{margin-bottom:2rem}.muted{color:#666}")
            .Append("form{display:inline}button{margin-right:.3rem}svg text{font:12px system-ui,sans-serif}")
            .Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>Dashboard BK · ").Append(E(model.SchoolName)).Append("</h1>\n<p class=\"muted\">")
            .Append(E(When.Format(model.GeneratedAt))).Append(' ').Append(E(model.TimeZone)).Append("</p>\n");

        Funnels(html, model);
        Channels(html, model.Channels);
        TermOverTerm(html, model.Terms);
        Rates(html, "Per kelas / By class", "Kelas / Class", model.ByClass);
        Rates(html, "Per guru BK / By counsellor", "Guru BK / Counsellor", model.ByCounselor);
        Chosen(html, model);
        Meetings(html, "Pertemuan mendatang / Upcoming meetings", model.Upcoming, formToken, "Belum ada pertemuan terjadwal. / No meetings booked.");
        Meetings(html, "Menunggu catatan kehadiran / Awaiting attendance", model.AwaitingAttendance, formToken, "Semua pertemuan sudah dicatat. / Every meeting is marked.");
        Survey(html, model);
        Poison(html, model.Poison);
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void Funnels(StringBuilder html, DashboardModel model)
    {
        html.Append("<section id=\"funnel\">\n<h2>Corong per kampanye / Funnel per campaign</h2>\n");
        if (model.Campaigns.Count == 0)
        {
            html.Append("<p>Belum ada SMS terkirim. / No messages sent yet.</p>\n");
        }

        foreach (var c in model.Campaigns)
        {
            html.Append("<h3>").Append(E(c.Name)).Append(" <span class=\"muted\">").Append(E(c.Term)).Append("</span></h3>\n");
            (string Label, int Value)[] stages =
            [
                ("Terkirim / Sent", c.Sent), ("Diterima / Delivered", c.Delivered), ("Link dibuka / Opened", c.Opened),
                ("Booking / Booked", c.Booked), ("Hadir / Attended", c.Attended),
            ];
            Bars(html, $"Funnel {c.Name}", stages.Select(s => (s.Label, s.Value, Percent(s.Value, c.Sent))).ToList(), Math.Max(c.Sent, 1));
            html.Append("<p class=\"muted\">Gagal / failed ").Append(c.Failed.ToString(Inv)).Append(" · tidak hadir / no-show ").Append(c.NoShow.ToString(Inv))
                .Append(" · berhenti / opted out ").Append(c.OptedOut.ToString(Inv)).Append("</p>\n");
        }

        html.Append("</section>\n");
    }

    /// <summary>
    /// Each wave's messages per channel: WhatsApp first where the school has it, and on the SMS row how many
    /// guardians needed the SMS fallback because WhatsApp did not reach them.
    /// </summary>
    private static void Channels(StringBuilder html, IReadOnlyList<ChannelFunnel> channels)
    {
        html.Append("<section id=\"channels\">\n<h2>Per saluran / By channel</h2>\n");
        if (channels.Count == 0)
        {
            html.Append("<p>Belum ada pesan terkirim. / No messages sent yet.</p>\n</section>\n");
            return;
        }

        html.Append("<table><thead><tr><th scope=\"col\">Kampanye / Campaign</th><th scope=\"col\">Gelombang / Wave</th><th scope=\"col\">Saluran / Channel</th>")
            .Append("<th scope=\"col\">Terkirim / Sent</th><th scope=\"col\">Diterima / Delivered</th><th scope=\"col\">Dibaca / Read</th><th scope=\"col\">Gagal / Failed</th>")
            .Append("<th scope=\"col\">Lewat SMS cadangan / Needed the SMS fallback</th></tr></thead><tbody>\n");
        foreach (var c in channels)
        {
            var whatsApp = c.Channel == "whatsapp";
            html.Append("<tr><td>").Append(E(c.Name)).Append("</td><td class=\"n\">").Append((c.Wave + 1).ToString(Inv))
                .Append("</td><td>").Append(whatsApp ? "WhatsApp" : "SMS")
                .Append("</td><td class=\"n\">").Append(c.Sent.ToString(Inv))
                .Append("</td><td class=\"n\">").Append(c.Delivered.ToString(Inv)).Append(' ').Append(E(Percent(c.Delivered, c.Sent)))
                .Append("</td><td class=\"n\">").Append(whatsApp ? c.Read.ToString(Inv) + " " + E(Percent(c.Read, c.Sent)) : "—")
                .Append("</td><td class=\"n\">").Append(c.Failed.ToString(Inv))
                .Append("</td><td class=\"n\">").Append(whatsApp ? "—" : c.Fallback.ToString(Inv)).Append("</td></tr>\n");
        }

        html.Append("</tbody></table>\n</section>\n");
    }

    /// <summary>
    /// The terms side by side (oldest left): the funnel in guardians with each stage's share of those sent to,
    /// then the barrier survey's shares, so a school sees whether outreach did better than last term.
    /// </summary>
    private static void TermOverTerm(StringBuilder html, IReadOnlyList<TermFunnel> terms)
    {
        html.Append("<section id=\"terms\">\n<h2>Antar semester / Term over term</h2>\n");
        if (terms.Count == 0)
        {
            html.Append("<p>Belum ada data semester. / No term has data yet.</p>\n</section>\n");
            return;
        }

        html.Append("<table><thead><tr><th scope=\"col\">Tahap / Stage</th>");
        foreach (var t in terms)
        {
            html.Append("<th scope=\"col\">").Append(E(t.Term)).Append("</th>");
        }

        html.Append("</tr></thead><tbody>\n");
        (string Label, Func<TermFunnel, int> Value)[] stages =
        [
            ("Terkirim / Sent", t => t.Sent), ("Diterima / Delivered", t => t.Delivered), ("Link dibuka / Opened", t => t.Opened),
            ("Booking / Booked", t => t.Booked), ("Hadir / Attended", t => t.Attended),
        ];
        foreach (var (label, value) in stages)
        {
            html.Append("<tr><th scope=\"row\">").Append(E(label)).Append("</th>");
            foreach (var t in terms)
            {
                html.Append("<td class=\"n\">").Append(value(t).ToString(Inv)).Append(' ').Append(E(Percent(value(t), t.Sent))).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("<tr><th scope=\"row\">Responden survei kendala / Barrier survey respondents</th>");
        foreach (var t in terms)
        {
            html.Append("<td class=\"n\">").Append(t.Barrier.Respondents.ToString(Inv)).Append("</td>");
        }

        html.Append("</tr>\n");
        foreach (var share in terms[0].Barrier.Shares)
        {
            html.Append("<tr><th scope=\"row\">").Append(E(share.Label)).Append("</th>");
            foreach (var t in terms)
            {
                var s = t.Barrier.Shares.FirstOrDefault(x => x.Code == share.Code);
                html.Append("<td class=\"n\">").Append(s is null || t.Barrier.Respondents == 0 ? "—" : s.Count.ToString(Inv) + " (" + Pct(s.Share) + ")").Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody></table>\n</section>\n");
    }

    /// <summary>A horizontal bar chart; the widest bar stands for <paramref name="max"/>.</summary>
    private static void Bars(StringBuilder html, string title, IReadOnlyList<(string Label, int Value, string Note)> bars, int max)
    {
        const int labelWidth = 190, barWidth = 300, rowHeight = 26;
        var height = bars.Count * rowHeight + 6;
        html.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"").Append((labelWidth + barWidth + 110).ToString(Inv))
            .Append("\" height=\"").Append(height.ToString(Inv)).Append("\" aria-label=\"").Append(E(title)).Append("\"><title>").Append(E(title)).Append("</title>");
        for (var i = 0; i < bars.Count; i++)
        {
            var (label, value, note) = bars[i];
            var y = i * rowHeight + 4;
            var width = max <= 0 ? 0 : (int)Math.Round((double)barWidth * Math.Min(value, max) / max);
            html.Append("<text x=\"0\" y=\"").Append((y + 15).ToString(Inv)).Append("\">").Append(E(label)).Append("</text>")
                .Append("<rect x=\"").Append(labelWidth.ToString(Inv)).Append("\" y=\"").Append(y.ToString(Inv)).Append("\" width=\"").Append(width.ToString(Inv))
                .Append("\" height=\"18\" fill=\"#2f6f9f\"></rect>")
                .Append("<text x=\"").Append((labelWidth + width + 6).ToString(Inv)).Append("\" y=\"").Append((y + 15).ToString(Inv)).Append("\">")
                .Append(value.ToString(Inv)).Append(' ').Append(E(note)).Append("</text>");
        }

        html.Append("</svg>\n");
    }

    private static void Rates(StringBuilder html, string title, string keyHeader, IReadOnlyList<GroupRates> rates)
    {
        html.Append("<section>\n<h2>").Append(E(title)).Append("</h2>\n");
        if (rates.Count == 0)
        {
            html.Append("<p>Belum ada data. / No data yet.</p>\n</section>\n");
            return;
        }

        html.Append("<table><thead><tr><th>").Append(E(keyHeader))
            .Append("</th><th>Terkirim / Sent</th><th>Dibuka / Opened</th><th>Booking / Booked</th><th>Hadir / Attended</th></tr></thead><tbody>\n");
        foreach (var r in rates)
        {
            html.Append("<tr><td>").Append(E(r.Key)).Append("</td><td class=\"n\">").Append(r.Sent.ToString(Inv))
                .Append("</td><td class=\"n\">").Append(r.Opened.ToString(Inv)).Append(" (").Append(Pct(r.OpenRate)).Append(')')
                .Append("</td><td class=\"n\">").Append(r.Booked.ToString(Inv)).Append(" (").Append(Pct(r.BookingRate)).Append(')')
                .Append("</td><td class=\"n\">").Append(r.Attended.ToString(Inv)).Append(" (").Append(Pct(r.AttendanceRate)).Append(" dari booking / of booked)</td></tr>\n");
        }

        html.Append("</tbody></table>\n</section>\n");
    }

    private static void Chosen(StringBuilder html, DashboardModel model)
    {
        html.Append("<section id=\"times\">\n<h2>Waktu yang dipilih orang tua / Times parents chose</h2>\n<table><tbody>\n");
        foreach (var c in model.SlotKinds.Concat(model.Modes))
        {
            html.Append("<tr><td>").Append(E(SlotLabels.GetValueOrDefault(c.Key, c.Key))).Append("</td><td class=\"n\">").Append(c.Value.ToString(Inv))
                .Append("</td><td class=\"n\">").Append(Pct(c.Share)).Append("</td></tr>\n");
        }

        html.Append("</tbody></table>\n</section>\n");
    }

    private static void Meetings(StringBuilder html, string title, IReadOnlyList<MeetingRow> meetings, string? formToken, string empty)
    {
        html.Append("<section>\n<h2>").Append(E(title)).Append("</h2>\n");
        if (meetings.Count == 0)
        {
            html.Append("<p>").Append(E(empty)).Append("</p>\n</section>\n");
            return;
        }

        var token = string.IsNullOrEmpty(formToken) ? "" : $"<input type=\"hidden\" name=\"{Access.FormTokens.FieldName}\" value=\"{E(formToken)}\">";
        html.Append("<table><thead><tr><th>Waktu / When</th><th>Guru BK</th><th>Wali / Guardian</th><th>Siswa / Students</th><th>Cara / Mode</th><th>Kehadiran / Attendance</th></tr></thead><tbody>\n");
        foreach (var m in meetings)
        {
            html.Append("<tr><td>").Append(DayNames[(int)m.Start.DayOfWeek]).Append(' ').Append(E(When.Format(m.Start)))
                .Append("</td><td>").Append(E(m.CounselorName))
                .Append("</td><td>").Append(E(m.GuardianName))
                .Append("</td><td>").Append(E(string.Join(", ", m.Students)))
                .Append("</td><td>").Append(E(SlotLabels.GetValueOrDefault(m.Mode, m.Mode)))
                .Append("</td><td>");
            if (m.Attendance.Length > 0)
            {
                html.Append(E(m.Attendance == "attended" ? "Hadir / Attended" : "Tidak hadir / No-show")).Append(' ');
            }

            html.Append("<form method=\"post\" action=\"").Append(E($"/api/admin/bookings/{Uri.EscapeDataString(m.BookingId)}/attendance"))
                .Append("\">").Append(token).Append("<button type=\"submit\" name=\"status\" value=\"attended\">Hadir</button>")
                .Append("<button type=\"submit\" name=\"status\" value=\"no_show\">Tidak hadir</button></form></td></tr>\n");
        }

        html.Append("</tbody></table>\n</section>\n");
    }

    private static void Survey(StringBuilder html, DashboardModel model)
    {
        html.Append("<section id=\"survey\">\n<h2>Survei kendala / Barrier survey</h2>\n")
            .Append("<p class=\"muted\">Dibandingkan dengan Tabel 1 penelitian (Imelda &amp; Saputra 2025). Satu orang tua dapat menyebut beberapa kendala, jadi jumlahnya bisa lebih dari 100%. / Beside the study's Table 1; a parent may name several barriers, so shares may add up to more than 100%.</p>\n");
        if (model.Survey.Count == 0)
        {
            html.Append("<p>Belum ada jawaban. / No answers yet.</p>\n");
        }

        foreach (var tally in model.Survey.Where(t => t.Respondents > 0 || t.Question == SurveyQuestion.Barrier).OrderByDescending(t => t.Term, StringComparer.Ordinal).ThenBy(t => t.Question))
        {
            var question = tally.Question switch
            {
                SurveyQuestion.Barrier => "Kendala utama / Main barrier",
                SurveyQuestion.Channel => "Saluran pilihan / Preferred channel",
                _ => "Waktu pilihan / Preferred time",
            };
            html.Append("<h3>").Append(E(question)).Append(" · ").Append(E(tally.Term.Length > 0 ? tally.Term : "—"))
                .Append(" <span class=\"muted\">n = ").Append(tally.Respondents.ToString(Inv)).Append("</span></h3>\n")
                .Append("<table><thead><tr><th>Kode / Code</th><th>Jawaban / Answer</th><th>n</th><th>Sekolah ini / This school</th>");
            var withBaseline = tally.Question == SurveyQuestion.Barrier;
            if (withBaseline)
            {
                html.Append("<th>Penelitian / Study</th>");
            }

            html.Append("</tr></thead><tbody>\n");
            foreach (var s in tally.Shares)
            {
                html.Append("<tr><td class=\"n\">").Append(s.Code.ToString(Inv)).Append("</td><td>").Append(E(s.Label)).Append("</td><td class=\"n\">")
                    .Append(s.Count.ToString(Inv)).Append("</td><td class=\"n\">").Append(tally.Respondents == 0 ? "—" : Pct(s.Share)).Append("</td>");
                if (withBaseline)
                {
                    html.Append("<td class=\"n\">").Append(s.Baseline is { } b ? Pct(b) : "—").Append("</td>");
                }

                html.Append("</tr>\n");
            }

            html.Append("</tbody></table>\n");
        }

        html.Append("</section>\n");
    }

    private static void Poison(StringBuilder html, PoisonQueueSummary poison)
    {
        html.Append("<section id=\"poison\">\n<h2>SMS gagal permanen / Poison queue</h2>\n<p>")
            .Append(poison.ApproximateCount.ToString(Inv)).Append(" batch sekolah ini di antrean / batches of this school in <code>").Append(E(DashboardService.PoisonQueue)).Append("</code>.</p>\n");
        if (poison.Peeked.Count > 0)
        {
            html.Append("<table><thead><tr><th>Pesan / Message</th><th>Masuk / Inserted (UTC)</th><th>Percobaan / Attempts</th><th>Kampanye / Campaign</th><th>Gelombang / Wave</th><th>Penerima / Recipients</th></tr></thead><tbody>\n");
            foreach (var p in poison.Peeked)
            {
                html.Append("<tr><td>").Append(E(p.MessageId)).Append("</td><td>").Append(E(p.InsertedOn?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", Inv) ?? ""))
                    .Append("</td><td class=\"n\">").Append(p.DequeueCount.ToString(Inv)).Append("</td><td>").Append(E(p.CampaignId ?? ""))
                    .Append("</td><td class=\"n\">").Append(E(p.Wave?.ToString(Inv) ?? "")).Append("</td><td class=\"n\">").Append(p.Recipients.ToString(Inv)).Append("</td></tr>\n");
            }

            html.Append("</tbody></table>\n");
        }

        if (poison.Recent.Count > 0)
        {
            html.Append("<h3>Alasan gagal / Why they failed</h3>\n<table><thead><tr><th>Waktu / When (UTC)</th><th>Fungsi / Function</th><th>Pesan asal / Original message</th><th>Percobaan / Attempts</th><th>Alasan / Reason</th></tr></thead><tbody>\n");
            foreach (var r in poison.Recent)
            {
                html.Append("<tr><td>").Append(E(r.PoisonedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", Inv))).Append("</td><td>").Append(E(r.Function))
                    .Append("</td><td>").Append(E(r.MessageId)).Append("</td><td class=\"n\">").Append(r.DequeueCount.ToString(Inv))
                    .Append("</td><td>").Append(E(r.Reason)).Append("</td></tr>\n");
            }

            html.Append("</tbody></table>\n");
        }

        html.Append("</section>\n");
    }

    private static string Percent(int value, int of) => of == 0 ? "" : "(" + Pct((double)value / of) + ")";

    private static string Pct(double share) => (share * 100).ToString("0", Inv) + "%";

    private static string E(string? text) => WebUtility.HtmlEncode(text ?? "");
}
