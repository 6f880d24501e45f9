"""Everything the bot says from code, in English, in one place (German can follow as DE).

Rasa's own responses (greeting, the product questions) live in domain.yml,
the engine's format; every text the core and the actions build is here.
Placeholders are filled with `text(key, **values)`.
"""

from __future__ import annotations

EN: dict[str, str] = {
    "context_summary": (
        "Here is what I noted:\n"
        "- Product: {product_name}\n"
        "- Sells to: {business}\n"
        "- Channels: {channels}\n"
        "- Typical customer: {typical_customer}\n"
        "Is that right?"
    ),
    "business_b2b": "businesses (B2B)",
    "business_b2c": "private consumers (B2C)",
    "button_yes": "Yes, that's right",
    "button_change": "Change something",
    "unclear": "I couldn't read “{answer}” as an answer to that. {hint}",
    "unclear_business": "I couldn't tell from “{answer}” who your customers are. {hint}",
    "help": (
        "I interview your team to find your moments of truth: the points of the customer "
        "journey where customers decide to trust, buy, stay or leave. First I ask about your "
        "product; then we use four methods (team knowledge, customer-service records, a "
        "competitor walk-through, customer surveys), and I rank the moments and suggest "
        "improvements.\n"
        "You can say 'start', 'change the channels', 'cancel' or 'restart' at any time."
    ),
    "help_in_form": "We were at this question:",
    "help_commands": (
        "Say 'skip' to leave a question out, 'go back' to change your last answer, 'pause' to "
        "stop for now, 'where are we' for progress, or 'what have we found so far'."
    ),
    "help_in_confirm": "We were checking the product summary: say yes, or tell me what to change.",
    "cancelled": (
        "Stopped. Everything you already answered is kept; say 'start' when you want to go on."
    ),
    "started_over": "Starting a fresh interview. The earlier one stays saved.",
    "resumed": "Welcome back! Let's go on where we stopped.",
    "not_understood": "Sorry, I didn't understand “{text}”.",
    "rephrase_default": (
        "I can interview your team about your product's moments of truth. "
        "Say 'start' to begin or 'help' to learn more."
    ),
    "rephrase_confirm": (
        "Is the summary of your product right? Answer 'yes', or say what to change, "
        "for example 'change the channels'."
    ),
    "which_field_unknown": (
        "I'm not sure which answer you want to change: the product name, B2B or B2C, "
        "the channels or the typical customer?"
    ),
    "storage_error": (
        "Sorry, I couldn't save that just now. Nothing you confirmed is lost; "
        "please send your answer again in a moment."
    ),
    "session_missing": "I couldn't find your interview any more, so I started a new one.",
}

QUESTIONS: dict[str, str] = {
    "product_name": "What is your product called?",
    "business_type": "Do you sell mainly to businesses (B2B) or to private consumers (B2C)?",
    "channels": "Through which channels do customers find and buy from you?",
    "typical_customer": "Who is your typical customer?",
}


EN.update(
    {
        # The four methods.
        "method.team": "team knowledge",
        "method.records": "service records",
        "method.competitor": "competitor walk-through",
        "method.survey": "customer survey",
        "intro.team": (
            "Let's walk your customer's journey moment by moment. For each moment I ask where "
            "customers meet you, a story of glory and one of pain you know, and two ratings."
        ),
        "intro.records": (
            "Your customers have already named their pains and glories in your service "
            "records. Let's use them."
        ),
        "intro.competitor": (
            "Now be a customer of a competitor: go through the same moments as their customer "
            "and compare. You can pause at any step while you actually try it, and resume later."
        ),
        "intro.survey": (
            "Let's ask your customers directly. I'll draft a short survey from what we know so far."
        ),
        # Where each moment happens, per business type.
        "example.lzmot.b2c": "a friend's wedding makes someone think about a new suit",
        "example.lzmot.b2b": "a new regulation makes a finance team look for a compliant tool",
        "example.zmot.b2c": "reading reviews on Google before visiting the shop",
        "example.zmot.b2b": "comparing providers on a review portal and reading case studies",
        "example.fmot.b2c": "the product page or the packaging on the shelf, in the first seconds",
        "example.fmot.b2b": "the first demo or the sales rep's pitch",
        "example.amot.b2c": "waiting for the parcel after paying: confirmation, tracking, delivery",
        "example.amot.b2b": "the days between signing and getting access: provisioning, activation",
        "example.smot.b2c": "unpacking and first use at home, and any call to customer service",
        "example.smot.b2b": "onboarding and the first weeks of use, with support reachable",
        "example.umot.b2c": "telling friends, posting a photo, writing a review",
        "example.umot.b2b": "recommending you to colleagues or acting as a reference",
        # Team knowledge.
        "q.team.gap": (
            "Is there a wait between paying for {product} and getting it "
            "(shipping, delivery, activation, provisioning)?"
        ),
        "h.team.gap": "Answer yes or no. If there is none, I leave that moment out.",
        "h.team.moment": "{name}: {when}. For example: {example}.",
        "q.team.touchpoints": (
            "The {name} ({code}): {when}. Where do your customers meet you at this moment "
            "(touchpoints)?"
        ),
        "q.team.glory": (
            "A moment of glory at the {code}: when did a customer get more than they expected here?"
        ),
        "q.team.pain": "And a moment of pain at the {code}: when did a customer lose faith here?",
        "q.team.importance": (
            "How much does the {code} weigh on the customer's decision to buy or stay? "
            "(1 = hardly, 5 = decisive)"
        ),
        "q.team.performance": (
            "How well does {product} do at the {code} today? (1 = poorly, 5 = excellently)"
        ),
        # Service records.
        "q.records.has_export": (
            "Do you have an export of your helpdesk tickets (CSV or XLSX from Zendesk, "
            "Freshdesk, Intercom or similar)?"
        ),
        "h.records.has_export": (
            "Customer-service tickets show where customers struggle. Answer yes or no."
        ),
        "q.records.export": "Send me the file (in the terminal: its path).",
        "h.records.export": (
            "A CSV or XLSX export with one ticket per row, for example 'exports/tickets.csv'."
        ),
        "q.records.confirm": (
            "Does this match what your team sees? If a group is at the wrong moment, tell me "
            "where it belongs, for example '2 are about returns' or 'AMOT is really SMOT'."
        ),
        "h.records.confirm": (
            "Answer yes; or correct a group by its number or moment, e.g. '1 should be SMOT'; "
            "or no if an important moment is missing."
        ),
        "q.records.missing": "Which moment is missing or underrated? Describe it in a few words.",
        "h.moment": "For example: 'when the parcel arrives' or 'reading reviews'.",
        "q.records.complaint": "What do customers complain about most often?",
        "h.records.complaint": "For example: 'deliveries come late and nobody tells them'.",
        "q.records.praise": "And what do they praise most often?",
        "h.records.praise": "For example: 'our support solves problems on the first call'.",
        "q.records.moment": "At which moment of the journey does that happen?",
        # Competitor walk-through.
        "q.competitor.name": "Which competitor do you want to look at? Name one.",
        "h.competitor.name": "The one your customers compare you with most often.",
        "competitor.someone": "the competitor",
        "step.search": "search for them online",
        "step.reviews": "read their reviews",
        "step.page": "open their product page",
        "step.buy": "try to buy or book a demo",
        "step.support": "ask their support a question",
        "h.competitor.step": (
            "Act as {rival}'s customer: {action}. Take your time; say 'pause' and come back "
            "when you've tried it."
        ),
        "q.competitor.theirs": "As {rival}'s customer, {action}. How good was it? (1-5)",
        "q.competitor.ours": "And the same step with {product}? (1-5)",
        "q.competitor.surprise": "What surprised you there?",
        "q.competitor.ideas": "Any idea worth taking over for {product}?",
        # Survey.
        "q.survey.results": (
            "When answers are in, send me the results file (CSV or XLSX; in the terminal: its "
            "path). Or say 'skip' to leave the survey open and collect answers through the "
            "link first."
        ),
        "h.survey.results": (
            "Columns like NPS, CSAT, 'what went well', 'what went badly' are recognised."
        ),
        "survey.head": "Here is your survey:",
        "survey.nps": (
            "How likely are you to recommend {product} to a friend or colleague? "
            "(0 = not at all, 10 = extremely)"
        ),
        "survey.csat": "How satisfied are you with {product} overall? (1-5)",
        "survey.well": "Think of {where}. What went well?",
        "survey.badly": "And what went badly there?",
        "survey.code": (
            "Share the code {code} with your customers: they answer in a private chat with me "
            "by sending “survey {code}”. Answers are anonymous and they see nothing of your "
            "team's data."
        ),
        "survey.thanks_intro": (
            "Thanks for helping {product}! A few short questions; your answers are anonymous. "
            "Say 'skip' for any question."
        ),
        "survey.unknown": "Sorry, I don't know that survey code, or the survey is closed.",
        "survey.closed": "This survey is closed. Thank you anyway!",
        "survey.use_link": (
            "Survey answers are anonymous, so I take them only in a private chat that "
            "doesn't carry your name: please open {link}"
        ),
        "survey.closed_now": (
            "The survey {code} is closed: customers can't answer any more. The {responses} "
            "answers it got stay in your findings."
        ),
        "survey.none_to_close": "There is no survey to close in this session yet.",
        "terminal.report_written": "Your report is written to {path}",
        "terminal.copy_failed": "I couldn't copy that file: {error}",
        "prompt.lzmot": "the moment you first felt you needed something like this",
        "prompt.zmot": "when you looked us up online before buying",
        "prompt.fmot": "your first look at our offer",
        "prompt.amot": "the time between paying and receiving it",
        "prompt.smot": "using it and any contact with our service",
        "prompt.umot": "telling others about us",
        # Moving through the interview.
        "status.head": "Where we are:",
        "status.done": "done",
        "status.progress": "in progress, {answered} of {total} questions",
        "status.open": "open",
        "status.current": "Current question: {question}",
        "status.pick": "Say which method to do next.",
        "back_to": "Back to the {method}.",
        "finished": "That completes the {method}.",
        "still_open": " Still open: {methods}. Which one next?",
        "all_done": " All four methods are done: ask for your findings or the report.",
        "no_question": "There is no open question. Which method should we do?",
        "hesitation": "Any answer in your own words helps.",
        "or_skip": "{explanation} Or say 'skip'.",
        "confirm_rating": "I read “{answer}” as {value} out of 5. Is that right?",
        "confirm_moment": "I understood that as the {name} ({code}: {when}). Right?",
        "rating_again": "Fine, then please give a number from 1 to 5.",
        "moment_again": (
            "Then which moment is it? Describe it in other words, or name it (e.g. AMOT)."
        ),
        "short_answer": "A few words please, or say 'skip'.",
        "long_answer": "Please keep it under 2000 characters.",
        "noted_moment": "Noted for the {name}.",
        "bad_file": "You can send another file or say 'skip'.",
        "skipped": "Skipped.",
        "nothing_to_skip": "Nothing to skip right now.",
        "no_earlier": "There is no earlier answer to change.",
        "change_answer": "Let's change that answer{said}.",
        "you_said": " (you said: {previous})",
        "paused": (
            "Paused. Everything so far is saved; say 'resume' whenever you want to go on, "
            "even days from now."
        ),
        "paused_at": " We'll continue with: {question}",
        "explain.mot": (
            "A moment of truth is a point in the customer journey where the customer decides "
            "to trust, buy, stay or leave. Some are moments of glory (you exceed what they "
            "expected), others moments of pain. The six: less-than-zero (a need is "
            "triggered), zero (research online), first (first look at the offer), actual "
            "(between paying and receiving), second (using it) and ultimate (their feedback "
            "to others)."
        ),
        "explain.one": "{name} ({code}): {when}. Levers: {levers}.",
        "explain.example": " Example: {example}.",
        # The interview's actions.
        "offer_methods": (
            "Which method shall we start with? You can do them in any order and leave any "
            "unfinished."
        ),
        "which_method": "Which method?",
        "which_method_next": "Which method next?",
        "pick_method": "Please pick one of the methods.",
        "pick_next": "Pick the next one:",
        "context_first": "First I need a few details about your product.",
        "setup_first": "Let's first set up your product: say 'start'.",
        "not_started": "We haven't started the interview yet: say 'start'.",
        "not_started_short": "We haven't started yet: say 'start'.",
        "welcome_back": "Welcome back!",
        "where_at_start": "We're at the start: I need your product's details first. Say 'start'.",
        "answer_not_saved": "Sorry, I couldn't save that answer. Please send it again in a moment.",
        "survey_not_saved": "Sorry, I couldn't save your answers. Please try again.",
        "file_unreadable": "I couldn't read that file: {error}",
        "file_tickets": (
            "I read {count} tickets ({skipped} skipped{unplaced}). The moments, hardest "
            "first:\n{top}"
        ),
        "file_ticket_line": "{rank}. {code}: {count} tickets, {share} negative{themes}{example}",
        "file_tickets_unplaced": ", {count} too unclear to place",
        "file_ticket_example": "\n   e.g. “{example}”",
        "file_survey": (
            "I read {count} survey responses ({skipped} skipped): NPS {nps}, CSAT {csat}."
        ),
        "upload_how": (
            "To share a helpdesk export or survey results, send me the file itself "
            "(CSV or XLSX) as a document with the 📎 button."
        ),
        "upload_as_document": (
            "Please send the file itself, not its name: in Telegram as a document (📎); in "
            "the terminal, type the path of a file that exists on your computer. I only read "
            "files that are sent to me."
        ),
        "upload_missing": "I couldn't find that upload any more. Please send the file again.",
        "upload_added": "I added this to your findings.",
        "upload_not_added": (
            "To add it to your findings, say 'start', set up your product, then send it again."
        ),
        "survey.link": (
            "Share this link with your customers: {link}\nThey answer in a private chat with "
            "me, anonymously, and see nothing of your team's data. Say “close the survey” "
            "when you have enough answers (survey {code})."
        ),
        # Telegram front-end.
        "tg.help_group": (
            "In this group: Telegram's privacy mode lets me see only commands, messages that "
            "mention me (@{bot}) and replies to my messages; I never read your other "
            "conversation. So answer my questions by replying to them (or mention me). Each "
            "of you has your own place in the interview and your answers are attributed to "
            "you; the findings belong to the group."
        ),
        "tg.survey_private_only": (
            "Surveys are answered in a private chat with me, so answers stay anonymous: "
            "open the link there."
        ),
        "tg.only_text": (
            "I can read text messages and CSV or XLSX files (sent as a document). "
            "Send /help to see what I can do."
        ),
        "tg.unknown_command": (
            "I don't know the command {command}. Send /help to see what I can do."
        ),
        "tg.engine_retrying": (
            "Sorry, I can't reach my dialogue engine right now. I'll keep trying with your "
            "message for a little while."
        ),
        "tg.engine_failed": (
            "Sorry, I still couldn't process “{said}”. Nothing you told me before is lost; "
            "please send it again in a few minutes."
        ),
        "tg.engine_silent": (
            "Sorry, I got no answer to that from my dialogue engine. Please send it again in "
            "a moment."
        ),
        "tg.internal_error": "Sorry, something went wrong with that message. Please try again.",
        "tg.not_your_question": "This question is for {name}. Send /start to join in.",
        "tg.button_expired": "This button has expired: please type your answer instead.",
        "tg.file_too_large": (
            "That file is {size} MB; I can read files up to {limit} MB. Please send a smaller "
            "export (for example a shorter period)."
        ),
        "tg.file_type": (
            "I can read CSV and XLSX files (helpdesk exports, survey results); “{name}” isn't one."
        ),
        "tg.file_download_failed": "Sorry, I couldn't download “{name}” from Telegram: {error}",
        "tg.file_received": "Got “{name}”. Reading it...",
        "tg.bad_start_code": (
            "Sorry, that link doesn't hold a survey code I know. Please check the link you "
            "were sent."
        ),
        "tg.report_none": "There's no session in this chat yet: send /start to begin.",
        "tg.report_empty": (
            "No findings yet for {product}: answer a few questions first (/start), then ask "
            "for the report again."
        ),
        "tg.report_caption": "Moments of truth for {product}: {count} moments, ranked.",
        "tg.status": "Session for {product} ({business}).",
        "tg.status_unnamed": "A session is open, but the product isn't set up yet (/start).",
        "tg.status_method": "{mark} {method}: {answers} answers",
        "tg.status_open": "Still open: {methods}.",
        "tg.status_all_done": "Every method has answers.",
        "tg.status_people": "Who answered: {people}.",
        "tg.status_nobody": "Nobody has answered yet.",
        "tg.status_survey": "Survey {code}: {responses} customer answers.",
        "tg.delete_confirm": (
            "This removes your name, your answers in every chat, your own sessions and our "
            "conversation history. Team findings from others stay. Delete?"
        ),
        "tg.delete_yes": "Yes, delete my data",
        "tg.delete_no": "No, keep it",
        "tg.delete_kept": "Nothing was deleted.",
        "tg.deleted": (
            "Done. I removed:\n- your answers: {answers}\n- your name, from chats: "
            "{memberships}\n- sessions of your own: {sessions}\n- files you sent me in our "
            "private chat: {files}\n- stored conversation events: {events}\nAnonymous survey "
            "answers can't be traced to you and stay."
        ),
        "tg.delete_failed": "Sorry, I couldn't delete your data just now. Please try again.",
        "tg.too_long": "{error}",
        "findings_none": "Nothing yet: we haven't started an interview.",
        "findings_empty": (
            "No evidence yet. Once you answer a few questions, the top moments show here."
        ),
        "findings_head": "Your top moments so far:",
        "findings_line": "{rank}. {title} ({polarity}, score {score}; from {methods})",
    }
)


# Telegram trust texts
EN.update(
    {
        "tg.help_intro": (
            "I interview your team about its product and find your moments of truth: the "
            "points where customers decide to trust, buy, stay or leave."
        ),
        "tg.help_commands": "Commands:",
        "tg.help_files": "Send helpdesk exports or survey results (CSV or XLSX) as a document.",
        "tg.upload_quota": (
            "This chat's files already take {used} MB of the {limit} MB I keep per chat, so "
            "I can't take this one. A smaller export (for example a shorter period) may fit."
        ),
    }
)


# Conversation robustness texts
EN.update(
    {
        "rephrase.not_a_choice": "“{text}” isn't one of the answers I can take here.",
        "rephrase.greeting": "Shall we start? Say 'start', or 'help' to hear how it works.",
        "rephrase.button_start": "Start",
        "rephrase.button_help": "How does it work?",
        "rephrase.menu": "Please pick one of the methods:",
        "rephrase.interview": (
            "Say 'resume' to go on with your interview, 'where are we' for your progress, "
            "'what have we found' for the top moments, or 'send me the report'."
        ),
        "restarted": (
            "I've started our conversation afresh. Your interviews and answers stay saved: "
            "say 'start' to go on, or 'help' to hear what I do."
        ),
        "report.ready": (
            "Here is your report: {count} moments of truth, ranked, with ideas to improve each."
        ),
    }
)


# Interview (seeds) texts
EN.update(
    {
        # Live or still being planned, and the order of the methods it suggests.
        "q.stage": (
            "Before we pick a method: is {product} already live (customers buy or use it "
            "today), or is it still being planned?"
        ),
        "h.stage": (
            "A live product starts from its service records; a planned one from competitors "
            "and your team. Answer 'live' or 'still planning'."
        ),
        "stage.unclear": "I couldn't read “{answer}” as live or still planned.",
        "stage.live": "Live",
        "stage.planning": "Still planning",
        "stage.recommend.live": (
            "Since {product} is live, I suggest starting with your service records and your "
            "team's knowledge, where customers and colleagues have already named the pains and "
            "glories, and then a customer survey to confirm what they suggest."
        ),
        "stage.recommend.planning": (
            "While {product} is still being planned there are no service records and no "
            "customers to ask yet, so I suggest starting with a competitor walk-through and "
            "your team's knowledge."
        ),
        "stage.any_order": "Then take the methods in any order you like.",
        # Touchpoints offered from the product's channels.
        "q.team.touchpoints_offered": (
            "The {name} ({code}): {when}. Where do your customers meet you at this moment: "
            "{places}, or somewhere else?"
        ),
        "tp.ads": "in ads",
        "tpt.ads": "ads",
        "tp.word_of_mouth": "through word of mouth",
        "tpt.word_of_mouth": "word of mouth",
        "tp.search": "in search results",
        "tpt.search": "search results",
        "tp.review_sites": "on review sites",
        "tpt.review_sites": "review sites",
        "tp.delivery": "at the delivery or activation",
        "tpt.delivery": "delivery",
        "tp.product": "in the product itself",
        "tpt.product": "the product itself",
        # A whole moment left out.
        "moment_skipped": (
            "Left out the {name} ({code}): it is noted as skipped, not as evidence. Say 'go "
            "back' to bring it back."
        ),
        "status.skipped_moments": "Moments you left out: {codes}.",
        # Moments the team names itself.
        "q.team.own_first": (
            "Is there a moment we haven't covered, one where your customers win or lose faith? "
            "Describe it in a few words, or say 'no'."
        ),
        "q.team.own_more": "Another moment we haven't covered? Describe it, or say 'no'.",
        "h.team.own": (
            "In your own words, for example 'the first invoice' or 'when the courier calls'. "
            "Say 'no' if the moments so far cover it."
        ),
        "own_too_long": "Just a short name for the moment, under 200 characters.",
        "q.team.own_mot": (
            "At which stage of the journey does “{name}” happen? Pick one, or describe it."
        ),
        "h.team.own_mot": (
            "Before they search (LZMOT), researching online (ZMOT), a first look at the offer "
            "(FMOT), between paying and receiving (AMOT), using it (SMOT) or their feedback "
            "afterwards (UMOT)."
        ),
        "stage_of.lzmot": "Before they search",
        "stage_of.zmot": "Researching online",
        "stage_of.fmot": "First look at the offer",
        "stage_of.amot": "Paying to receiving",
        "stage_of.smot": "Using it",
        "stage_of.umot": "Their feedback",
        "q.team.own_polarity": (
            "Is “{name}” mostly a moment of glory (you do better than customers expect) or of "
            "pain (they lose faith)?"
        ),
        "h.team.own_polarity": "Answer 'glory' or 'pain' (or 'both').",
        "polarity.glory": "Glory",
        "polarity.pain": "Pain",
        "q.team.own_story": "What happens at “{name}”? A short example helps.",
        "h.team.own_story": "One real case in a sentence or two is enough.",
        "q.team.own_importance": (
            "How much does “{name}” ({code}) weigh on the customer's decision to buy or stay? "
            "(1 = hardly, 5 = decisive)"
        ),
        "q.team.own_performance": (
            "How well does {product} do at “{name}” today? (1 = poorly, 5 = excellently)"
        ),
        # One customer's UMOT is the next customer's ZMOT.
        "umot_loop": (
            "One customer's UMOT (a review, a post, a word to a friend) is the next "
            "customer's ZMOT: what they share is what newcomers read when they research you."
        ),
        # The competitor walk-through's first and last steps.
        "step.ads": "notice their ads, posts or newsletters",
        "step.replies": "read how they answer reviews and public complaints",
        # The survey for the typical customer.
        "survey.head_for": (
            "Here is your survey for {customer}; share it where they already meet you ({channels}):"
        ),
    }
)


# Survey export texts
EN.update(
    {
        "file_survey_columns": "I used: {mapping}.",
        "file_survey_correct": ("Timestamps, ids, emails and names are never read."),
        "file_survey_correct_later": (
            "To use other columns, send the file at the survey method's question; there you "
            "can name them."
        ),
        "q.survey.columns": (
            "Did I take the right columns? Answer yes, or tell me which to use, for example "
            "'NPS is column 4' or 'comments: What could we improve?'."
        ),
        "h.survey.columns": "The columns of your file: {columns}.",
        "h.survey.columns_none": "Answer yes, or name a column by its number or its header.",
        "column_number": "There are {count} columns; name one by a number from 1 to {count}.",
        "column_which": "Which column? Give its number or part of its header.",
        "column_unknown": "No column of the file is called “{said}”; give its number instead.",
        "column_several": "Several columns contain “{said}”; give the column's number instead.",
        "column_role": (
            "Say what the column is: NPS (0-10), CSAT (1-5) or comments, e.g. 'NPS is column 4'."
        ),
        "open_answers": "open answers",
        "columns_rereading": "Reading the file again with {mapping}.",
        "correct_where": (
            "Where do the {code} tickets belong? Name a moment, e.g. 'SMOT', or say what they "
            "are about, e.g. 'returns'."
        ),
        "correct_not_listed": (
            "I found no {code} tickets to move; the groups are {listed}. Name one of them."
        ),
        "correct_same": "Those tickets are already at {code}; which moment do they belong to?",
        "tickets_rereading": (
            "Understood: the {source} tickets belong to {target}. I retrained the classifier "
            "for this session on them and read the file again."
        ),
        "file_gone": (
            "I no longer have that file (uploads are deleted after a while); please send it again."
        ),
        "file_survey_name": "rename those headers to NPS, CSAT and Comment and send it again",
        "file_survey_name_one": "rename the one to use to {what} and send the file again",
    }
)


def text(key: str, **values: object) -> str:
    return EN[key].format(**values)
