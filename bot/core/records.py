"""Service-record analysis: which moment of truth each ticket is about, and how it feels.

Two parts for English and German helpdesk tickets:
- a transparent lexicon of cue words per moment and per feeling, built from
  the moment definitions in shared/domain.md; every cue that fires can be
  shown, and it needs no labelled data;
- the trained model of `bot.core.ticket_model` (word and character n-grams,
  with the cue scores as extra features), learnt from a labelled corpus of
  many industries written by people who never saw the cues, so the decision
  carries over to businesses the cues were not written against.

Its calibrated probability is the ticket's confidence; below the model's
threshold a ticket is `unclassified` (not a moment) instead of being guessed.
Without a trained model the cues decide alone. A session's corrections
("no, these are about returns") give a retrained classifier (`retrain_with`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from bot.core import ticket_model
from bot.core.taxonomy import MOMENTS, Mot, Stage
from bot.core.themes import primary

# (pattern, weight). Patterns match the normalised text (lower case, umlauts
# spelled out: ä -> ae, ß -> ss), at a word start; most are stems so German
# compounds ("Lieferverzoegerung") and inflections match too.
_MOT_CUES: dict[Mot, tuple[tuple[str, float], ...]] = {
    Mot.LZMOT: (
        (r"newsletter", 2),
        (r"your ads?\b", 2),
        (r"advert(?!ised)", 2),
        (r"promotion", 1.5),
        (r"promo(tional)? (e-?mails?|messages?)", 2),
        (r"unsubscrib", 2),
        (r"spam", 2),
        (r"flyer", 2),
        (r"too many (e-?mails|messages|notifications)", 2),
        (r"marketing (e-?mails?|calls?|messages?)", 2),
        (r"cold call", 2),
        (r"werbung", 2),
        (r"werbe", 2),
        (r"abmeld", 1.5),
        (r"prospekt", 2),
        (r"anzeige", 1.5),
        (r"reklame", 2),
        (r"(e-?mails?|messages|texts|sms) (about|with) (offers|deals|discounts|sales)", 2.5),
        (r"stop (sending|contacting|mailing|e-?mailing|texting|calling)", 2.5),
        (r"text messages|\bsms\b|push notifications", 1.5),
        (r"catalogu?e", 2),
        (r"mailing list", 2.5),
        (r"opt(ed)?[- ]?in|consent", 1.5),
        (r"billboard|poster", 2.5),
        (r"sponsor", 2),
        (r"podcast", 1.5),
        (r"reminder e-?mail", 2),
        (r"remove(d)? (me )?from", 2),
        (r"katalog", 2),
        (r"plakat", 2.5),
        (r"hoeren sie auf", 2),
        (r"einwilligung", 1.5),
        (r"werbe(mail|e-mail|sms|anruf|brief)", 2.5),
        (r"per sms", 1.5),
        (r"(coupons?|vouchers?|offers?) by e-?mail", 2.5),
        (r"radio|tv spot|commercial", 2),
        (r"(phoned|called|rang) me", 2),
        (r"to sell me", 2),
        (r"letter with", 1.5),
        (r"influencer|promoted", 2),
        (r"welcome (discount )?e-?mail", 2.5),
        (r"marketing (database|list)", 2.5),
        (r"(seasonal|your) e-?mail reminded", 2.5),
        (r"delete my (e-?mail|address|data|number) from", 2),
        (r"werbeanruf", 2),
        (r"zu viele (e-?mails|nachrichten)", 2),
        (r"(\d+|two|three|several|many) e-?mails (a|per) (day|week)", 2.5),
        (r"last chance", 1.5),
        (r"telemarketing|do-not-call", 3),
        (r"calls? (my|our) (office|home|mobile)", 2),
        (r"mailing\b", 2),
        (r"leaflet|brochure", 2.5),
        (r"pop-?ups?|banner", 2),
        (r"ads? on", 2),
    ),
    Mot.ZMOT: (
        (
            r"(read|saw|seen|checked|looked at|found) (the |your |some |many |all )?(online )?reviews",
            3,
        ),
        (r"reviews (say|said|mention|were|are)", 2.5),
        (r"trustpilot", 1),
        (r"google", 1.5),
        (r"search(ed|ing)? (for|online)", 2),
        (r"search results?", 2),
        (r"forum", 2),
        (r"comparison (site|portal|website)", 2),
        (r"compar(e|ing|ed) (you|prices|providers|offers)", 1.5),
        (r"your (web ?site|site|homepage) (says|said|claims|states)", 2.5),
        (r"faq", 1.5),
        (r"blog", 1.5),
        (r"online (information|info)", 2),
        (r"star rating", 2),
        (r"heard (about|of) you", 2),
        (r"information (on|about) your (website|site)", 2),
        (r"(bewertungen|rezensionen) (gelesen|gesehen)", 3),
        (r"bewertungen (sagen|sind|waren)", 2.5),
        (r"gegoogelt", 2),
        (r"im internet (gelesen|gefunden|recherchiert)", 2.5),
        (r"recherch", 2),
        (r"vergleichsportal", 2.5),
        (r"auf ihrer (webseite|website|homepage|seite) steht", 2.5),
        (r"suchergebnis", 2),
        (r"(forum|reviews?|people|everyone|they) (say|says|said|write|writes|claim|claims)", 2.5),
        (r"(search|searching) on your (web ?site|site|shop|page)", 2.5),
        (
            r"your (web ?site|site|homepage|terms page|terms|app) (says|said|claims|states|shows|differs)",
            2.5,
        ),
        (r"on your (web ?site|site|homepage)", 1.5),
        (r"(read|seen|found) (it )?online", 2.5),
        (r"how-to|tutorial|videos", 2),
        (r"googl", 2),
        (r"portal", 1.5),
        (r"ratings? (on|at)", 2),
        (r"(online|im netz|im internet) gelesen", 2.5),
        (r"bei google", 2.5),
        (r"\w*forum", 2),
        (r"(schreiben|sagen) (alle|viele)", 2),
        (r"(ihrer|der) (webseite|website|homepage) steht", 2.5),
        (r"reviews (i|we) (found|read|saw)", 3),
        (r"(mixed|bad|poor|good) ratings", 2),
        (r"ratings on (amazon|google|the app store)", 2.5),
        (r"google listing", 2.5),
        (r"independent (tests?|reviews?)", 2.5),
        (r"article|magazine", 2),
        (r"customer stories|case stud", 2),
        (r"chatbot on (the|your) (web ?site|site)", 2.5),
        (r"contradict", 1.5),
        (r"when searching|side by side", 2),
        (r"comparison article", 3),
        (r"(web ?site|site)'?s? (\w+ ){0,2}(information|info)", 2.5),
        (r"(says|say|states) .{0,40} but .{0,40}(says|say|states)", 2),
    ),
    Mot.FMOT: (
        (r"product (page|description|photos?|pictures?|images?|details)", 3),
        (r"(description|photo|picture|image)s? (is|are|was|were|looked|look|say|said)", 2),
        (r"packag(e|ing) (design|looks|looked|was|is)", 1.5),
        (r"packaging", 1.5),
        (r"size chart", 2.5),
        (r"spec(s|ification)", 2),
        (r"(price|pricing) (is|was|page|list|not)", 2),
        (r"(too |very |so )?expensive", 1.5),
        (r"hidden (fees|costs)", 2.5),
        (r"prices?\b", 1),
        (r"(discount|coupon|voucher) code", 1.5),
        (r"out of stock", 2.5),
        (r"(not|isn't|un)available", 1),
        (r"before (buying|i buy|ordering|i order|purchasing|signing)", 2.5),
        (r"(want|would like|planning|thinking) (to buy|of buying|to order|to sign up)", 2.5),
        (r"demo", 1.5),
        (r"(a |the )?quote\b", 1.5),
        (r"sales (rep|team|person|call|pitch)", 2),
        (r"trial", 1.5),
        (r"which (plan|model|version|size) (should|to)", 2.5),
        (r"produktseite", 3),
        (r"produktbeschreibung", 3),
        (r"beschreibung", 2),
        (r"produktfoto", 3),
        (r"(foto|bild)(s|er)? (zeigt|zeigen|sieht|sehen)", 2),
        (r"groessentabelle", 2.5),
        (r"verpackung", 1.5),
        (r"(zu )?teuer", 1.5),
        (r"preis", 1),
        (r"versteckte kosten", 2.5),
        (r"ausverkauft", 2.5),
        (r"nicht (mehr )?(verfuegbar|lieferbar|auf lager)", 2),
        (r"vor dem kauf", 2.5),
        (r"(kaufen|bestellen) (moechte|will|wuerde)", 2.5),
        (r"(moechte|will|wuerde) (gerne )?.{0,20}(kaufen|bestellen)", 2),
        (r"angebot", 1.5),
        (r"testversion", 1.5),
        (r"(product )?(images|pictures|photos)", 2),
        (r"(offer|landing|sales) page", 2.5),
        (r"unboxing|the box (felt|looked|looks)", 2.5),
        (r"premium (feel|look)", 1.5),
        (r"label", 2),
        (r"ingredients", 2),
        (r"sold out", 2.5),
        (r"launch", 1.5),
        (r"(cheaper|which|a) plan\b", 2),
        (r"pushy|jargon", 2),
        (r"pitch", 2),
        (r"(produkt)?bilder", 2),
        (r"startseite|landingpage", 2),
        (r"tarif", 2),
        (r"etikett", 2),
        (r"im warenkorb", 2),
        (r"product video", 2.5),
        (r"display model|showroom", 2.5),
        (r"first (look|impression)|app store page", 2.5),
        (r"sample", 1.5),
        (r"per month or per year|not clear (what|how much|which)", 2.5),
        (r"welche(s|n)? (modell|tarif|groesse|paket) ", 2),
        (r"checkout page", 2.5),
        (r"(doesn't|does not|don't) show the (total|price|costs?)", 2.5),
        (r"starter (package|plan)|plans on the page", 2.5),
        (r"salesperson|proposal", 2.5),
        (r"difference between (the )?\w+ and", 2.5),
    ),
    Mot.AMOT: (
        (r"deliver", 2),
        (r"shipp", 2),
        (r"shipment", 2),
        (r"parcel", 2),
        (r"courier", 2),
        (r"tracking", 2.5),
        (r"track(ing)? (number|link|code)", 2.5),
        (r"dispatch", 2),
        (r"in transit", 2.5),
        (r"arriv", 1.5),
        (r"(not|never|still not) (yet )?received", 2.5),
        (r"where is my (order|package|parcel|package)", 3),
        (r"order (status|confirmation)", 2.5),
        (r"confirmation (e-?mail|mail|message)", 2),
        (r"(dhl|ups|fedex|dpd|hermes|gls|usps)", 2),
        (r"activat", 2),
        (r"licen[cs]e key", 2.5),
        (r"access (details|credentials) after", 2),
        (r"provision", 2),
        (r"paid but", 2.5),
        (r"after (paying|payment|i paid)", 2),
        (r"payment (failed|declined|did not go through|went through|pending)", 2.5),
        (r"charged (twice|two times|double)", 2),
        (r"checkout (failed|error|crash)", 2),
        (r"postman|mail ?carrier|driver", 1.5),
        (r"left (it )?at the (door|neighbou?r)", 2.5),
        (r"liefer", 2),
        (r"versand", 2),
        (r"versendet", 2),
        (r"verschickt", 2),
        (r"paket", 2),
        (r"sendung", 2),
        (r"zustell", 2.5),
        (r"kurier", 2),
        (r"bote", 1.5),
        (r"angekommen", 1.5),
        (r"(nicht|noch nicht|nie) (erhalten|bekommen|angekommen)", 2.5),
        (r"bestellstatus", 2.5),
        (r"bestellbestaetigung", 2.5),
        (r"bestaetigungs(mail|e-mail)", 2),
        (r"freischalt", 2.5),
        (r"aktivier", 2),
        (r"lizenzschluessel", 2.5),
        (r"bezahlt,? aber", 2.5),
        (r"zahlung (fehlgeschlagen|abgelehnt|haengt)", 2.5),
        (r"doppelt abgebucht", 2),
        (r"wo bleibt", 2.5),
        (r"wo ist meine bestellung", 3),
        (r"packages?\b", 2),
        (r"depot|warehouse", 2),
        (r"stuck (at|in)", 1.5),
        (r"(order|item|parcel) (has )?(left|shipped|dispatched)", 2.5),
        (r"receipt", 1.5),
        (r"wrong (item|product|size|colou?r) (was )?(delivered|sent|arrived)", 3),
        (r"(paid|paid for) but", 2.5),
        (r"seats", 1),
        (r"order \d+|order number", 1.5),
        (r"processing for", 2.5),
        (r"geliefert", 2),
        (r"verteilzentrum|lager\b", 2),
        (r"falsche(n)? (artikel|ware|groesse|farbe)", 2.5),
        (r"carrier", 2),
        (r"no record of", 1.5),
        (r"(onboarding )?access yet|received our (\w+ )?access", 2.5),
        (r"track the payment", 2),
        (r"order was cancell?ed", 2.5),
        (r"delivery notification", 2.5),
        (r"(box|parcel|order|package) arrived", 2.5),
        (r"arrived (crushed|damaged|broken|open)", 2.5),
        (r"follow the (van|driver|courier)|on the map", 2.5),
        (r"express (shipping|delivery)", 2.5),
        (r"customs", 2),
        (r"api keys?", 1.5),
        (r"preparing", 1.5),
    ),
    Mot.SMOT: (
        # The product compared with its promise, once in use: "better than advertised".
        (
            r"(better|worse|longer|shorter|faster|slower|than|as) (advertised|promised|described)",
            2.5,
        ),
        (
            r"(besser|schlechter|laenger|kuerzer|schneller|langsamer|als|wie) (beworben|versprochen|beschrieben)",
            2.5,
        ),
        (r"broken", 2),
        (r"defect", 2),
        (
            r"(does not|doesn't|didn't|won't|stopped|not) (work|working|start|turn on|charge|load|open|sync)",
            2.5,
        ),
        (r"bug", 2),
        (r"crash", 2),
        (r"error", 1.5),
        (r"quality", 1.5),
        (r"set ?up", 1.5),
        (r"install", 1.5),
        (r"onboarding", 2),
        (r"how (do|can) i", 2),
        (r"log ?in", 1.5),
        (r"password", 1.5),
        (r"feature", 1),
        (r"support (agent|team|staff)", 2),
        (r"customer (service|support)", 2),
        (r"(agent|staff|employee|representative|rep) (was|were|is)", 2),
        (r"rude", 2.5),
        (r"unfriendly", 2.5),
        (r"impolite", 2.5),
        (r"hotline", 2),
        (r"on hold", 2),
        (r"return(ed|ing)?\b", 1.5),
        (r"refund", 1.5),
        (r"exchange", 1.5),
        (r"warranty", 2),
        (r"repair", 2),
        (r"replacement", 1.5),
        (r"invoice", 1.5),
        (r"billing", 1.5),
        (r"cancel (my )?(subscription|contract|account)", 2),
        (r"(after|since) (the )?(update|upgrade)", 2),
        (r"app (keeps|is|was)", 1.5),
        (r"tastes?|smell", 1.5),
        (r"(fell|falls) apart", 2.5),
        (r"ripped|torn|scratch", 2),
        (r"kaputt", 2),
        (r"defekt", 2),
        (r"funktioniert (nicht|nie|kaum)", 2.5),
        (r"geht nicht", 2),
        (r"fehler", 1.5),
        (r"absturz|stuerzt", 2),
        (r"qualitaet", 1.5),
        (r"einricht", 1.5),
        (r"installation", 1.5),
        (r"anmeld", 1),
        (r"passwort", 1.5),
        (r"kundenservice|kundendienst|kundensupport", 2),
        (r"mitarbeiter(in)?", 1.5),
        (r"unfreundlich", 2.5),
        (r"unhoeflich", 2.5),
        (r"warteschleife", 2),
        (r"hotline", 2),
        (r"retoure|ruecksend|zurueckgeschickt", 2),
        (r"erstattung|zurueckerstatt", 1.5),
        (r"umtausch", 2),
        (r"garantie", 2),
        (r"reparatur", 2),
        (r"rechnung", 1.5),
        (r"kuendig", 2),
        (r"nach dem update", 2),
        (r"logs? (me|us) out|lose (my|our) work", 2.5),
        (r"feels cheap|smaller than expected|bigger than expected", 2.5),
        (r"spare part", 2.5),
        (r"how .{0,25} works", 1.5),
        (r"wie kann ich", 2),
        (r"bedienung", 2),
        (r"hurts?\b|uncomfortable|sole\b", 2),
        (r"module|totals", 1.5),
        (r"(doesn't|does not|won't) close|spills?|leaks?", 2),
        (r"interface|language of", 1.5),
        (r"bounced between|departments", 2),
        (r"new version", 2),
    ),
    Mot.UMOT: (
        (
            r"(leave|leaving|write|writing|post|posting|give|giving) (a |an |my )?(\w+ )?(review|rating)",
            3,
        ),
        (r"(1|one)[- ]star", 2.5),
        (r"(5|five)[- ]star", 2.5),
        (r"recommend", 2.5),
        (r"tell (all )?(my )?(friends|everyone|colleagues|family)", 3),
        (r"(told|telling) (all )?(my )?(friends|everyone|colleagues|family)", 3),
        (r"warn (other|others|everyone|people)", 3),
        (r"(post|share|write) (it|this|about (it|this|you)) on", 3),
        (r"social media", 2),
        (r"(twitter|instagram|facebook|tiktok|linkedin|reddit)", 1.5),
        (r"spread the word", 3),
        (r"testimonial", 2.5),
        (r"referral", 2),
        (r"bewertung (schreiben|abgeben|hinterlassen)", 3),
        (r"(schreibe|hinterlasse|gebe) .{0,25}bewertung", 3),
        (r"empfehl", 2.5),
        (r"weiterempfehl", 3),
        (r"(allen|freunden|kollegen|familie) (erzaehlen|erzaehlt|berichten|sagen)", 3),
        (r"(andere|alle) warnen", 3),
        (r"in den sozialen medien", 2.5),
        (r"(stern|sterne)", 1.5),
        (r"(left|leaving|gave|giving) (you )?(a |an )?(\w+ )?(review|rating)", 3),
        (r"(make|post|film) (a |an )?(tiktok|video|post|thread)", 3),
        (r"tiktok", 2),
        (r"(telling|tell|told) (\w+ ){0,3}(friends|everyone|colleagues|family|club|network)", 3),
        (r"will hear about", 3),
        (r"(about|share) (our|my) experience", 2.5),
        (r"(customer )?gallery|post a (photo|picture)", 2.5),
        (r"(updated|changed|edited) my (review|rating)", 3),
        (r"(allen|jedem|freunden) .{0,40}erzaehl", 3),
        (r"bewertung .{0,40}(geschrieben|geaendert)", 3),
        (r"shared my (story|experience)|facebook group", 3),
        (r"(blog post|article) about (how|my|our|you)", 3),
        (r"feedback form", 2.5),
        (r"(other|future) customers should know", 3),
        (r"posting .{0,30}online", 3),
        (r"for (his|her|my|their) friends", 2.5),
        (r"whatsapp group|neighbou?rhood group", 3),
        (r"featured you|as a recommendation", 3),
        (r"reference (page|customer)|quote from us", 2.5),
        (r"my review (reflects|will)", 3),
        (r"rated you|out of 10 in your survey", 3),
        (r"look elsewhere", 2.5),
    ),
}

_STAGE_CUES: tuple[tuple[str, Stage], ...] = (
    (
        r"checkout|cart|basket|payment|paid|charged|pay\b|warenkorb|kasse|zahlung|bezahl|abgebucht",
        Stage.DECISION,
    ),
)

_THEME_CUES: dict[str, tuple[str, ...]] = {
    "delivery": (
        r"deliver",
        r"shipp",
        r"parcel",
        r"courier",
        r"liefer",
        r"versand",
        r"paket",
        r"zustell",
        r"sendung",
    ),
    "tracking": (
        r"tracking",
        r"track(ing)? (number|link)",
        r"sendungsverfolgung",
        r"wo (bleibt|ist) (mein|meine)",
    ),
    "waiting": (
        r"still (waiting|not)",
        r"waited",
        r"waiting",
        r"(days|weeks) (later|ago|now)",
        r"\d+ (days|weeks)",
        r"warte",
        r"seit (tagen|wochen|\d+)",
        r"immer noch",
        r"late\b",
        r"delay",
        r"versp(ae|a)t",
        r"verzoeger",
    ),
    "activation": (r"activat", r"licen[cs]e", r"freischalt", r"aktivier", r"provision"),
    "payment": (r"payment", r"charged", r"paid", r"checkout", r"zahlung", r"abgebucht", r"bezahl"),
    "billing": (r"invoice", r"billing", r"rechnung", r"abrechnung"),
    "pricing": (
        r"price",
        r"expensive",
        r"hidden (fees|costs)",
        r"cost",
        r"preis",
        r"teuer",
        r"kosten",
    ),
    "product info": (
        r"description",
        r"photo",
        r"picture",
        r"spec",
        r"size chart",
        r"beschreibung",
        r"foto",
        r"groessentabelle",
    ),
    "packaging": (r"packag", r"verpackung"),
    "checkout": (r"checkout", r"cart", r"basket", r"warenkorb", r"kasse"),
    "support tone": (
        r"rude",
        r"unfriendly",
        r"impolite",
        r"arrogant",
        r"unfreundlich",
        r"unhoeflich",
        r"respektlos",
    ),
    "support": (
        r"support",
        r"agent",
        r"hotline",
        r"customer service",
        r"on hold",
        r"kundenservice",
        r"kundendienst",
        r"mitarbeiter",
        r"warteschleife",
    ),
    "quality": (
        r"broken",
        r"defect",
        r"quality",
        r"fell apart",
        r"ripped",
        r"kaputt",
        r"defekt",
        r"qualitaet",
    ),
    "bugs": (
        r"bug",
        r"crash",
        r"error",
        r"(not|stopped) working",
        r"fehler",
        r"absturz",
        r"stuerzt",
        r"funktioniert nicht",
    ),
    "returns": (
        r"return",
        r"refund",
        r"exchange",
        r"retoure",
        r"ruecksend",
        r"erstattung",
        r"umtausch",
    ),
    "onboarding": (
        r"set ?up",
        r"install",
        r"onboarding",
        r"how (do|can) i",
        r"einricht",
        r"installation",
        r"wie kann ich",
    ),
    "usability": (
        r"confusing",
        r"complicated",
        r"hard to",
        r"unclear",
        r"kompliziert",
        r"umstaendlich",
        r"unuebersichtlich",
    ),
    "reviews": (r"review", r"rating", r"stars?\b", r"bewertung", r"rezension", r"sterne"),
    "social": (r"social media", r"twitter", r"instagram", r"facebook", r"tiktok", r"soziale"),
    "outreach": (
        r"newsletter",
        r"\bads?\b",
        r"advert",
        r"spam",
        r"unsubscrib",
        r"werbung",
        r"abmeld",
    ),
    "search": (r"google", r"search", r"gegoogelt", r"suche"),
}

_NEGATIVE = (
    r"(worse|shorter|slower|less) than (advertised|promised|described|expected)",
    r"(schlechter|kuerzer|langsamer|weniger) als (beworben|versprochen|beschrieben|erwartet)",
    r"not? (happy|satisfied|good|ok|okay|working|received|arrived)",
    r"never",
    r"late\b",
    r"delay",
    r"still (waiting|not|no)",
    r"broken",
    r"defect",
    r"damaged",
    r"rude",
    r"unfriendly",
    r"angry",
    r"annoy",
    r"frustrat",
    r"disappoint",
    r"terrible",
    r"awful",
    r"horrible",
    r"worst",
    r"bad\b",
    r"poor",
    r"unacceptable",
    r"ridiculous",
    r"complain",
    r"wrong",
    r"missing",
    r"lost\b",
    r"(does not|doesn't|didn't|won't|stopped|not) work",
    r"crash",
    r"error",
    r"bug",
    r"useless",
    r"waste",
    r"scam",
    r"refund",
    r"cancel",
    r"problem",
    r"issue",
    r"fail",
    r"hidden (fees|costs)",
    r"too expensive",
    r"overpriced",
    r"confusing",
    r"misleading",
    r"spam",
    r"nobody",
    r"no one",
    r"no (answer|reply|response|tracking|update|information)",
    r"charged twice",
    r"warn",
    r"(1|one)[- ]star",
    r"hours? on hold",
    r"on hold",
    r"fell apart",
    r"ripped",
    r"torn",
    r"nicht (zufrieden|erhalten|angekommen|funktioniert|gut|in ordnung|verfuegbar)",
    r"nie\b",
    r"noch nicht",
    r"immer noch",
    r"versp(ae|a)t",
    r"verzoeger",
    r"kaputt",
    r"defekt",
    r"beschaedigt",
    r"unfreundlich",
    r"unhoeflich",
    r"veraerger",
    r"aerger",
    r"frech",
    r"enttaeusch",
    r"schlecht",
    r"furchtbar",
    r"schrecklich",
    r"katastroph",
    r"unmoeglich",
    r"inakzeptabel",
    r"beschwerde",
    r"falsch",
    r"fehlt",
    r"verloren",
    r"funktioniert nicht",
    r"geht nicht",
    r"fehler",
    r"absturz",
    r"problem",
    r"leider",
    r"keine (antwort|rueckmeldung|info|sendungsverfolgung)",
    r"niemand",
    r"zu teuer",
    r"abzocke",
    r"betrug",
    r"versteckte kosten",
    r"doppelt abgebucht",
    r"warnen",
    r"kompliziert",
    r"umstaendlich",
    r"stornier",
    r"kuendig",
    r"stop (sending|contacting|mailing|e-?mailing|texting|calling)",
    r"blurry",
    r"stuck",
    r"threw",
    r"can'?t\b",
    r"cannot",
    r"(does not|doesn't|don't) say",
    r"pushy",
    r"jargon",
    r"too (small|big|late|slow|much|many)",
    r"came off",
    r"loses|losing",
    r"nothing",
    r"never happened",
    r"avoid",
    r"outdated",
    r"old (phone|number|address|prices?)",
    r"different from|differs",
    r"processing for",
    r"awful",
    r"hoeren sie auf",
    r"unscharf",
    r"hoeher als",
    r"falsche",
    r"abgebrochen",
    r"textbausteine",
    r"loest nichts",
    r"meiden",
    r"alte (telefonnummer|nummer|adresse|preise)",
    r"veraltet",
    r"(one|1|ein)[- ]stern",
    r"einen stern",
    r"liegt seit",
    r"nichts\b",
    r"expired",
    r"aggressive",
    r"leaves out|not honest",
    r"hurts?\b",
    r"spills|leaks",
    r"bounced",
    r"look elsewhere",
    r"without warning",
    r"wrong address",
    r"never arrived",
    r"doesn't show",
    r"soaked|ruined|spoiled|spoilt|melted",
    r"delete my",
    r"no record",
    r"crushed",
    r"cheap\b",
    r"contradict",
    r"dirty",
    r"nothing like",
    r"lose my|logs? me out",
    r"should know about this",
    r"mou?ld\b",
)
_POSITIVE = (
    r"(better|longer|faster|more) than (advertised|promised|described|expected)",
    r"(besser|laenger|schneller|mehr) als (beworben|versprochen|beschrieben|erwartet)",
    r"thank",
    r"thx",
    r"great",
    r"love",
    r"excellent",
    r"amazing",
    r"awesome",
    r"fantastic",
    r"helpful",
    r"quick(ly)?\b",
    r"fast\b",
    r"perfect",
    r"happy",
    r"pleased",
    r"satisfied",
    r"wonderful",
    r"brilliant",
    r"friendly",
    r"kind\b",
    r"well done",
    r"impressed",
    r"smooth",
    r"easy",
    r"recommend",
    r"(5|five)[- ]star",
    r"best\b",
    r"nice",
    r"delighted",
    r"superb",
    r"danke",
    r"toll",
    r"super\b",
    r"schnell",
    r"freundlich",
    r"hilfsbereit",
    r"zufrieden",
    r"hervorragend",
    r"ausgezeichnet",
    r"prima",
    r"klasse",
    r"perfekt",
    r"begeistert",
    r"lob",
    r"einfach",
    r"empfehl",
    r"gerne wieder",
    r"wunderbar",
    r"spitze",
    r"top\b",
    r"unkompliziert",
    r"glowing",
    r"beautiful",
    r"premium",
    r"happy to",
    r"gerne stehen",
    r"works (perfectly|great|well)",
    r"earlier than (promised|expected)",
    r"well packed",
    r"tolle",
    r"schoen",
    r"well timed",
    r"reassuring",
    r"impressive",
    r"well deserved",
    r"faster",
    r"handy",
    r"convinc",
    r"loved?\b",
)
_NEGATIONS = r"(not|never|no|nicht|kein|keine|nie|hardly|kaum)"

_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}
)


def normalise(text: str) -> str:
    return " ".join(text.translate(_UMLAUTS).lower().replace("\u2019", "'").split())


def _compile(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + ")")


def required_literals(pattern: str) -> tuple[str, ...] | None:
    """Plain texts of which every match of `pattern` contains at least one (None: unknown).

    A cheap `in` test on them skips most regex searches: same results, far faster.
    """
    from re import _parser  # type: ignore[attr-defined]

    def strength(option: tuple[str, ...]) -> tuple[int, int]:
        return (min(len(text) for text in option), -len(option))

    def required(items: Any) -> tuple[str, ...] | None:
        options: list[tuple[str, ...]] = []
        run = ""
        for op, value in items:
            if op is _parser.LITERAL:
                run += chr(value)
                continue
            if len(run) >= 3:
                options.append((run,))
            run = ""
            found: tuple[str, ...] | None = None
            if op is _parser.SUBPATTERN:
                found = required(value[3])
            elif op is _parser.BRANCH:
                branches = [required(branch) for branch in value[1]]
                if all(branches):
                    found = tuple(text for branch in branches if branch for text in branch)
            elif op in (_parser.MAX_REPEAT, _parser.MIN_REPEAT) and value[0] >= 1:
                found = required(value[2])
            if found and min(len(text) for text in found) >= 3:
                options.append(found)
        if len(run) >= 3:
            options.append((run,))
        return max(options, key=strength) if options else None

    return required(_parser.parse(pattern))


@dataclass(frozen=True)
class _Cue:
    pattern: re.Pattern[str]
    weight: float
    literals: tuple[str, ...] | None

    def matches(self, text: str) -> bool:
        literals = self.literals
        if literals is not None:
            if len(literals) == 1:
                if literals[0] not in text:
                    return False
            elif not any(literal in text for literal in literals):
                return False
        return self.pattern.search(text) is not None


_MOT_PATTERNS: tuple[tuple[Mot, tuple[_Cue, ...]], ...] = tuple(
    (mot, tuple(_Cue(re.compile(rf"\b(?:{p})"), w, required_literals(p)) for p, w in cues))
    for mot, cues in _MOT_CUES.items()
)


class _CueSet:
    """Cues found through the plain text they require: only plausible regexes are run.

    Literals are looked up by their first three letters among the text's
    3-letter pieces, checked with a fast `in`, and only the cues whose
    literal is really there get their regex searched.
    """

    def __init__(self, cues: list[tuple[str, _Cue]]) -> None:
        self.cues = tuple(cues)
        by_literal: dict[str, set[int]] = {}
        for number, (_, cue) in enumerate(self.cues):
            for literal in cue.literals or ():
                by_literal.setdefault(literal, set()).add(number)
        self.by_literal = {literal: frozenset(numbers) for literal, numbers in by_literal.items()}
        by_gram: dict[str, list[str]] = {}
        for literal in self.by_literal:
            by_gram.setdefault(literal[:3], []).append(literal)
        self.by_gram = {gram: tuple(literals) for gram, literals in by_gram.items()}
        self.grams = frozenset(self.by_gram)
        self.unindexed = frozenset(
            n for n, (_, cue) in enumerate(self.cues) if cue.literals is None
        )

    def matching(self, clean: str, grams: set[str]) -> list[tuple[str, float]]:
        """(key, weight) of every cue that matches, in a fixed order."""
        candidates = set(self.unindexed)
        for gram in grams & self.grams:
            for literal in self.by_gram[gram]:
                if literal in clean:
                    candidates |= self.by_literal[literal]
        found = []
        for number in sorted(candidates):
            key, cue = self.cues[number]
            if cue.pattern.search(clean):
                found.append((key, cue.weight))
        return found


def _cue(pattern: str, weight: float = 1.0) -> _Cue:
    return _Cue(re.compile(rf"\b(?:{pattern})"), weight, required_literals(pattern))


def _trigrams(clean: str) -> set[str]:
    return {clean[i : i + 3] for i in range(len(clean) - 2)}


_MOT_CUE_SET = _CueSet([(mot.value, cue) for mot, group in _MOT_PATTERNS for cue in group])
_THEME_CUE_SET = _CueSet(
    [(theme, _cue(pattern)) for theme, patterns in _THEME_CUES.items() for pattern in patterns]
)
_THEME_ORDER = {theme: index for index, theme in enumerate(_THEME_CUES)}


_NEGATIVE_RE = _compile(_NEGATIVE)
_POSITIVE_RE = re.compile(
    rf"\b(?:{_NEGATIONS}\s+(?:\w+\s+)?)?(?:" + "|".join(f"(?:{p})" for p in _POSITIVE) + ")"
)
_NEGATED_RE = re.compile(rf"^{_NEGATIONS}\b")
_STAGE_PATTERNS = tuple((re.compile(rf"\b(?:{p})"), stage) for p, stage in _STAGE_CUES)

# On a tie the more specific moment wins; SMOT, the catch-all, comes last.
MOT_PRIORITY = (Mot.LZMOT, Mot.UMOT, Mot.ZMOT, Mot.FMOT, Mot.AMOT, Mot.SMOT)


UNCLASSIFIED = "unclassified"


@dataclass(frozen=True)
class TicketResult:
    """One ticket's reading. `mot` is the best guess even when `classified` is False."""

    id: str
    mot: Mot
    stage: Stage
    sentiment: str
    confidence: float
    themes: tuple[str, ...] = ()
    classified: bool = True

    @property
    def label(self) -> str:
        """The moment code, or `unclassified` below the confidence threshold."""
        return self.mot.value if self.classified else UNCLASSIFIED


def sentiment_counts(clean: str) -> tuple[int, int]:
    """Negative and positive cue words in normalised text; negated praise counts as negative."""
    negative = len(_NEGATIVE_RE.findall(clean))
    positive = 0
    for match in _POSITIVE_RE.finditer(clean):
        if _NEGATED_RE.match(match.group(0)):
            negative += 1
        else:
            positive += 1
    return negative, positive


def sentiment_of(text: str) -> str:
    """negative, neutral or positive, from cue words; negated praise counts as negative."""
    negative, positive = sentiment_counts(text)
    if negative > positive:
        return "negative"
    if positive > negative:
        return "positive"
    return "neutral"


def cue_scores(clean: str, grams: set[str] | None = None) -> dict[Mot, float]:
    """Summed weights of the cue words of each moment found in normalised text."""
    scores: dict[Mot, float] = {}
    for key, weight in _MOT_CUE_SET.matching(clean, _trigrams(clean) if grams is None else grams):
        mot = Mot(key)
        scores[mot] = scores.get(mot, 0.0) + weight
    return scores


def model_features(text: str) -> tuple[str, list[float]]:
    """The normalised text and the dense (cue) features the trained model takes."""
    clean = normalise(text)
    scores = cue_scores(clean)
    negative, positive = sentiment_counts(clean)
    dense = ticket_model.dense_values(
        [scores.get(Mot(code), 0.0) for code in ticket_model.MOT_LABELS], negative, positive
    )
    return clean, dense


def _by_cues(scores: dict[Mot, float]) -> tuple[Mot, float, bool]:
    if not scores:
        return Mot.SMOT, 0.2, False  # nothing matched: the catch-all as a guess, unclassified
    best = max(MOT_PRIORITY, key=lambda m: (scores.get(m, 0.0), -MOT_PRIORITY.index(m)))
    top = scores[best]
    share = top / sum(scores.values())
    return best, round(0.4 + 0.6 * share * min(1.0, top / 4), 2), True


_CONTENT_WORD = re.compile(r"\b[a-z]{3,}\b")
MIN_CONTENT_WORDS = 4


class TicketClassifier:
    """Reads tickets with the trained model (when there is one) and the cue words."""

    def __init__(self, model: ticket_model.TicketModel | None) -> None:
        self.model = model

    def classify(self, ticket_id: str, text: str) -> TicketResult:
        """One ticket's moment, stage, sentiment and a confidence between 0 and 1."""
        clean = normalise(text)
        grams = _trigrams(clean)
        scores = cue_scores(clean, grams)
        negative, positive = sentiment_counts(clean)
        if self.model is None:
            best, confidence, classified = _by_cues(scores)
            sentiment = (
                "negative"
                if negative > positive
                else "positive"
                if positive > negative
                else "neutral"
            )
        else:
            dense = ticket_model.dense_values(
                [scores.get(Mot(code), 0.0) for code in ticket_model.MOT_LABELS],
                negative,
                positive,
            )
            prediction = self.model.predict(text, dense)
            best, classified = Mot(prediction.mot), prediction.classified
            confidence = round(prediction.mot_probability, 2)
            sentiment = prediction.sentiment
            if not scores and len(_CONTENT_WORD.findall(clean)) < MIN_CONTENT_WORDS:
                # "see attached", "Ticket 4711", "Hallo": no cue and too few words for
                # the n-grams to mean anything (the corpus has no such tickets, so
                # the model is overconfident on them).
                classified, confidence = False, min(confidence, 0.2)
        stage = MOMENTS[best].stage
        if best is Mot.AMOT:
            stage = next((s for p, s in _STAGE_PATTERNS if p.search(clean)), Stage.RETENTION)
        themes = tuple(
            sorted(
                {key for key, _ in _THEME_CUE_SET.matching(clean, grams)},
                key=_THEME_ORDER.__getitem__,
            )
        )
        return TicketResult(ticket_id, best, stage, sentiment, confidence, themes, classified)

    def guess(self, phrase: str) -> tuple[Mot, float] | None:
        """The trained model's best moment for a short description ("returns"), unguarded.

        `classify` keeps tickets of a few words unclassified; a phrase the team
        types to say where something belongs is short by nature, and the bot
        confirms a guess before using it.
        """
        if self.model is None:
            return None
        _, dense = model_features(phrase)
        prediction = self.model.predict(phrase, dense)
        return Mot(prediction.mot), prediction.mot_probability

    def classify_batch(self, batch: list[tuple[str, str]]) -> list[TicketResult]:
        return [self.classify(ticket_id, text) for ticket_id, text in batch]

    def retrain_with(self, corrections: list[tuple[str, Mot]]) -> TicketClassifier:
        """A classifier for one session that reads the corrected tickets as the team said.

        Each correction is a ticket text and the moment the team says it is
        about ("no, these are about returns": those tickets, `Mot.SMOT`). The
        model is retrained on them (see `TicketModel.corrected`), so tickets
        worded like them follow; the shipped model is left as it is. Without a
        trained model the corrected texts themselves are read as corrected.
        """
        if not corrections:
            return self
        if self.model is None:
            return _Overridden(None, {normalise(text): mot for text, mot in corrections})
        examples = [(text, model_features(text)[1], mot.value) for text, mot in corrections]
        return TicketClassifier(self.model.corrected(examples))


class _Overridden(TicketClassifier):
    def __init__(self, model: ticket_model.TicketModel | None, labels: dict[str, Mot]) -> None:
        super().__init__(model)
        self.labels = labels

    def classify(self, ticket_id: str, text: str) -> TicketResult:
        result = super().classify(ticket_id, text)
        mot = self.labels.get(normalise(text))
        if mot is None:
            return result
        return TicketResult(
            ticket_id, mot, MOMENTS[mot].stage, result.sentiment, 1.0, result.themes, True
        )


@cache
def default_classifier() -> TicketClassifier:
    """The shipped model with the cue words (the cue words alone if no model is shipped)."""
    return TicketClassifier(ticket_model.shipped())


def cue_classifier() -> TicketClassifier:
    """The transparent cue words alone, as before the trained model."""
    return TicketClassifier(None)


def classify(ticket_id: str, text: str) -> TicketResult:
    """One ticket's moment, stage, sentiment and a confidence between 0 and 1."""
    return default_classifier().classify(ticket_id, text)


def retrain_with(
    corrections: list[tuple[str, Mot]], base: TicketClassifier | None = None
) -> TicketClassifier:
    """The default (or `base`) classifier retrained on a session's corrections."""
    return (base or default_classifier()).retrain_with(corrections)


CORRECTED_TICKETS_AT_MOST = 100  # per correction: enough to learn the wording, quick to fit


def corrected_classifier(
    texts: Callable[[], Iterable[str]],
    corrections: Sequence[tuple[Mot, Mot]],
    base: TicketClassifier | None = None,
) -> TicketClassifier:
    """A session's classifier after the team moved ticket groups ("AMOT is really SMOT").

    For each (read as, belongs to) in order, the tickets the classifier so far
    reads as the first are relabelled as the second and it is retrained on
    them; `texts` gives the export's ticket texts again for every round.
    """
    classifier = base or default_classifier()
    for source, target in corrections:
        examples: list[tuple[str, Mot]] = []
        for ticket in texts():
            result = classifier.classify("", ticket)
            if result.classified and result.mot is source:
                examples.append((ticket, target))
                if len(examples) >= CORRECTED_TICKETS_AT_MOST:
                    break
        classifier = classifier.retrain_with(examples)
    return classifier


@dataclass
class MomentTally:
    count: int = 0
    negative: int = 0
    positive: int = 0
    themes: Counter[str] = field(default_factory=Counter)
    example: str = ""  # the first negative ticket
    sample: str = ""  # the first ticket of any feeling

    @property
    def negative_share(self) -> float:
        return self.negative / self.count if self.count else 0.0


@dataclass(frozen=True)
class Skipped:
    row: int
    reason: str


QUOTED_SIDES = {"negative": "pain", "positive": "glory"}


@dataclass
class RecordsAnalysis:
    tickets: list[TicketResult] = field(default_factory=list)
    moments: dict[Mot, MomentTally] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    # Tickets below the confidence threshold: counted here, never a moment.
    unclassified: MomentTally = field(default_factory=MomentTally)
    # The first negative and positive ticket of each moment and main theme, to quote.
    group_quotes: dict[tuple[Mot, str | None], dict[str, str]] = field(default_factory=dict)

    def add(self, result: TicketResult, text: str) -> None:
        self.tickets.append(result)
        if result.classified:
            tally = self.moments.setdefault(result.mot, MomentTally())
        else:
            tally = self.unclassified
        tally.count += 1
        if not tally.sample:
            tally.sample = text[:200]
        if result.classified and result.sentiment in QUOTED_SIDES:
            quotes = self.group_quotes.setdefault(
                (result.mot, primary(result.themes, result.mot)), {}
            )
            quotes.setdefault(QUOTED_SIDES[result.sentiment], text[:200])
        if result.sentiment == "negative":
            tally.negative += 1
            tally.themes.update(result.themes)
            if not tally.example:
                tally.example = text[:200]
        elif result.sentiment == "positive":
            tally.positive += 1

    def hardest(self) -> list[Mot]:
        """Moments from the most pain (negative tickets, then their share) to the least."""
        return sorted(
            self.moments,
            key=lambda m: (
                -self.moments[m].negative,
                -self.moments[m].negative_share,
                MOT_PRIORITY.index(m),
            ),
        )

    def top_themes(self, mot: Mot, limit: int = 3) -> list[str]:
        counted = self.moments[mot].themes
        return [t for t, _ in sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]

    def to_dict(self) -> dict[str, object]:
        return {
            "tickets": [
                {
                    "id": t.id,
                    "mot": t.label,
                    "stage": t.stage.value if t.classified else None,
                    "sentiment": t.sentiment,
                    "confidence": t.confidence,
                }
                for t in self.tickets
            ],
            "moments": [
                {
                    "mot": m.value,
                    "count": self.moments[m].count,
                    "negative_share": round(self.moments[m].negative_share, 3),
                    "themes": self.top_themes(m),
                }
                for m in self.hardest()
            ],
            "hardest": [m.value for m in self.hardest()],
            "skipped": [{"row": s.row, "reason": s.reason} for s in self.skipped],
        }


def classify_batch(batch: list[tuple[str, str]]) -> list[TicketResult]:
    """Classify (id, text) pairs; the unit of work handed to a worker process."""
    return default_classifier().classify_batch(batch)
