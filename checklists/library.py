"""The built-in checklist library: one ready-to-run checklist per channel.

Every item checks one service practice from the essays the product grew out of (the seeds in
``shared/seeds/``), named in its ``source`` so a manager can trace a low score back to the habit
it measures. Items a lost customer would never forgive (rudeness, an unsolved problem, a
purchase that cannot be completed, no answer at all) are ``critical``: one of them failing fails
the visit whatever the score.

``python manage.py load_checklists`` installs these (see ``checklists.services.library_install``).
Change a definition here and run the command with ``--update`` to publish it as a new version.
"""

from dataclasses import dataclass

from .library_fr import FR


@dataclass(frozen=True)
class Practice:
    title: str
    essay: str
    quote: str


PRACTICES: dict[str, Practice] = {
    p.title: p
    for p in [
        Practice(
            "Make a great first impression",
            "More Than Perfect customer service",
            "Make a great first impression, either in person, online, or on the phone.",
        ),
        Practice(
            "A customer can hear a smile over the phone",
            "More Than Perfect customer service",
            "A customer can see a smile in person, but they can also hear a smile over the phone.",
        ),
        Practice(
            "Make your website user friendly",
            "More Than Perfect customer service",
            "Make your website user friendly.",
        ),
        Practice(
            "Deliver more than what is expected",
            "More Than Perfect customer service",
            "Create little 'wow' moments that keep them coming back.",
        ),
        Practice(
            "Create a relationship, not just a sale",
            "More Than Perfect customer service",
            "Focus on creating a relationship, not just a sale.",
        ),
        Practice(
            "Listen to what is and isn't being said",
            "More Than Perfect customer service",
            "Listen to your customers and hear what is and isn't being said.",
        ),
        Practice(
            "Be accountable, especially when there is a problem",
            "More Than Perfect customer service",
            "Be accountable, especially if there is a problem.",
        ),
        Practice(
            "Engage with empathy before pitching",
            "Perception is reality: keep your focus",
            "Before piling your customer with information, engage with them; display unfeigned empathy.",
        ),
        Practice(
            "Keep it easy to understand and use",
            "Perception is reality: keep your focus",
            "Give them something easy to use, explained with a brief minus folderol.",
        ),
        Practice(
            "Make paying simple and quick",
            "Perception is reality: keep your focus",
            "Payment terms and methods simple, user friendly and managed in minimal time.",
        ),
        Practice(
            "Prompt, first-time resolution",
            "Perception is reality: keep your focus",
            "Trained to deal with any issue with promptness and first time resolution skills.",
        ),
        Practice(
            "Check back after the sale",
            "Perception is reality: keep your focus",
            "An ongoing system to check back with them whether your product or service is working.",
        ),
        Practice(
            "Never tell customers their perception is wrong",
            "Perception is reality: keep your focus",
            "It is detrimental to tell the customer that what they have understood is incorrect.",
        ),
        Practice(
            "Use your manners and be polite",
            "Don't get disconnected from your customer's experience",
            "Just use your manners. Be polite.",
        ),
        Practice(
            "Say please and thank you",
            "Don't get disconnected from your customer's experience",
            "Say please and thank you.",
        ),
        Practice(
            "Don't interrupt",
            "Don't get disconnected from your customer's experience",
            "Don't interrupt.",
        ),
        Practice(
            "Thank customers for their business and invite them back",
            "Don't get disconnected from your customer's experience",
            "Thank your customers for their business and ask them to come back again.",
        ),
        Practice(
            "Ask how you can serve them better",
            "Don't get disconnected from your customer's experience",
            "When they do come back, interact with them and ask them how you can better serve them.",
        ),
        Practice(
            "Ask probing questions and watch for hesitancy",
            "Don't get disconnected from your customer's experience",
            "Ask probing questions and pay extra attention to the way the questions are answered.",
        ),
        Practice(
            "Solve the customer's problem",
            "Where we fall short",
            "Rule #1: don't frustrate your customers. Did you solve your customers' problems?",
        ),
        Practice(
            "No bouncing between departments",
            "Where we fall short",
            "I literally felt like a ping-pong ball, bouncing between two customer-service reps.",
        ),
        Practice(
            "Don't put the fix in the customer's lap",
            "Where we fall short",
            "Don't put the responsibility for fixing the issue in your customer's lap.",
        ),
        Practice(
            "No excuses for your systems",
            "Where we fall short",
            "Don't make excuses or offer apologies for your systems.",
        ),
        Practice(
            "Be reachable at every access point",
            "Where we fall short",
            "Face-to-face, email, telephone, social media, online chat: every access point counts.",
        ),
        Practice(
            "Walk in your customer's shoes",
            "Where we fall short",
            "The best advice any business owner and manager can accept is to walk in your customer's shoes.",
        ),
        Practice(
            "Outstanding service must be measured",
            "Don't just talk about customer service",
            "To achieve it takes constant care and nurturing. It must be measured.",
        ),
    ]
}


def _source(title: str) -> str:
    if title not in PRACTICES:  # a typo here would silently orphan an item
        raise KeyError(f"Unknown practice: {title}")
    return title


def yes_no(key, prompt, source, help_text="", **extra) -> dict:
    return {
        "key": key,
        "prompt": prompt,
        "type": "yes_no",
        "source": _source(source),
        "help_text": help_text,
        **extra,
    }


def scale(key, prompt, source, help_text="", low=1, high=5, **extra) -> dict:
    return {
        "key": key,
        "prompt": prompt,
        "type": "scale",
        "scale_min": low,
        "scale_max": high,
        "source": _source(source),
        "help_text": help_text,
        **extra,
    }


def choice(key, prompt, source, options, help_text="", **extra) -> dict:
    return {
        "key": key,
        "prompt": prompt,
        "type": "choice",
        "options": [{"key": k, "label": label, "points": points} for k, label, points in options],
        "source": _source(source),
        "help_text": help_text,
        **extra,
    }


def number(key, prompt, source, help_text="", pass_min=None, pass_max=None, **extra) -> dict:
    return {
        "key": key,
        "prompt": prompt,
        "type": "number",
        "pass_min": pass_min,
        "pass_max": pass_max,
        "source": _source(source),
        "help_text": help_text,
        **extra,
    }


def text(key, prompt, source, help_text="", **extra) -> dict:
    return {
        "key": key,
        "prompt": prompt,
        "type": "text",
        "source": _source(source),
        "help_text": help_text,
        **extra,
    }


def photo(key, prompt, source, help_text="", low=1, high=3, **extra) -> dict:
    return {
        "key": key,
        "prompt": prompt,
        "type": "photo",
        "photo": {"min": low, "max": high},
        "source": _source(source),
        "help_text": help_text,
        **extra,
    }


def section(key, title, weight, *items, show_if=None) -> dict:
    out = {"key": key, "title": title, "weight": weight, "items": list(items)}
    if show_if is not None:
        out["show_if"] = show_if
    return out


def answer_is(key, value) -> dict:
    """``show_if``: the earlier item ``key`` was answered exactly ``value``."""
    return {"===": [{"var": key}, value]}


def answered_yes(key) -> dict:
    """``show_if``: the earlier yes/no item ``key`` was answered yes (not no, N/A or hidden)."""
    return {"===": [{"var": key}, True]}


IN_PERSON = {
    "builtin_key": "builtin-in-person",
    "channel": "in_person",
    "name": "In-store visit",
    "description": (
        "Walk in as a customer with a real need (a purchase plus one question or a small problem, "
        "e.g. a return) and see the store through their eyes, from the door to the goodbye."
    ),
    "pass_threshold": 80,
    "sections": [
        section(
            "arrival",
            "Arrival and first impression",
            2,
            photo(
                "storefront",
                "Photograph the storefront and entrance as you arrive.",
                "Make a great first impression",
                "Straight on, in daylight if possible; no people's faces.",
                low=1,
                high=3,
            ),
            yes_no(
                "entrance_clean_tidy",
                "Were the entrance and sales floor clean and tidy?",
                "Make a great first impression",
            ),
            yes_no(
                "greeted_within_30s",
                "Were you greeted within 30 seconds of walking in?",
                "Make a great first impression",
                "A hello, a nod or 'I'll be right with you' counts; start counting at the door.",
                weight=2,
            ),
            yes_no(
                "acknowledged_within_2min",
                "Nobody greeted you straight away: did anyone at least acknowledge you within 2 minutes?",
                "Make a great first impression",
                "A look, a wave or 'I'll be with you in a moment' counts.",
                show_if=answer_is("greeted_within_30s", False),
            ),
            scale(
                "welcome_warmth",
                "How warm was the welcome (smile, eye contact, tone)?",
                "Make a great first impression",
                "1 = cold or ignored, 5 = genuinely glad to see you.",
            ),
        ),
        section(
            "conversation",
            "Conversation and manners",
            3,
            yes_no(
                "asked_about_needs",
                "Before recommending anything, did the staff member ask what you needed?",
                "Engage with empathy before pitching",
                weight=2,
            ),
            yes_no(
                "did_not_interrupt",
                "Did the staff member let you finish speaking without interrupting?",
                "Don't interrupt",
            ),
            yes_no(
                "please_and_thank_you",
                "Did the staff say please and thank you?",
                "Say please and thank you",
            ),
            yes_no(
                "polite_throughout",
                "Was everyone you dealt with polite throughout (never rude, dismissive or impatient)?",
                "Use your manners and be polite",
                critical=True,
            ),
            scale(
                "explained_simply",
                "How easy to understand were the explanations and recommendations?",
                "Keep it easy to understand and use",
                "1 = jargon or confusion, 5 = clear and brief.",
            ),
            yes_no(
                "problem_owned_and_solved",
                "When you raised your question or problem, was it solved there and then, without "
                "sending you elsewhere?",
                "Be accountable, especially when there is a problem",
                "Mark N/A only if you could not raise one.",
                weight=2,
                critical=True,
                allow_na=True,
            ),
            yes_no(
                "wow_moment",
                "Did anyone do something more than you expected (a small 'wow' moment)?",
                "Deliver more than what is expected",
                "Describe it in the comment.",
            ),
        ),
        section(
            "checkout",
            "Paying",
            2,
            number(
                "minutes_waited_to_pay",
                "How many minutes did you wait to pay?",
                "Make paying simple and quick",
                "From joining the queue to being served.",
                pass_max=5,
                allow_na=True,
            ),
            choice(
                "payment_experience",
                "How easy was paying?",
                "Make paying simple and quick",
                [
                    ("effortless", "Effortless: your preferred method, quick and clear", 2),
                    ("some_friction", "Some friction: a limitation or a wait, but fine", 1),
                    ("difficult", "Difficult: refused method, errors or confusion", 0),
                ],
                allow_na=True,
            ),
            text(
                "payment_problem",
                "What made paying difficult?",
                "Make paying simple and quick",
                "A refused card, a till error, a long wait: say what happened.",
                show_if=answer_is("payment_experience", "difficult"),
            ),
        ),
        section(
            "farewell",
            "Farewell",
            2,
            yes_no(
                "thanked_and_invited_back",
                "Were you thanked for your business and invited to come back?",
                "Thank customers for their business and invite them back",
                weight=2,
            ),
            yes_no(
                "asked_how_to_serve_better",
                "Did anyone ask how they could serve you better?",
                "Ask how you can serve them better",
            ),
            choice(
                "relationship",
                "How did the visit feel overall?",
                "Create a relationship, not just a sale",
                [
                    ("relationship", "Like a relationship: they cared whether you come back", 2),
                    ("transaction", "A correct but plain transaction", 1),
                    ("rushed", "Rushed or indifferent", 0),
                ],
            ),
            text(
                "tell_a_friend",
                "What would you tell a friend about this visit?",
                "Walk in your customer's shoes",
                "One or two sentences, in your own words.",
            ),
        ),
    ],
}

PHONE = {
    "builtin_key": "builtin-phone",
    "channel": "phone",
    "name": "Phone call",
    "description": (
        "Call the location's public number with a realistic question or problem and note how the "
        "call is answered, handled and closed."
    ),
    "pass_threshold": 80,
    "sections": [
        section(
            "answering",
            "Answering the call",
            2,
            number(
                "rings_before_answer",
                "How many rings before a person answered?",
                "Make a great first impression",
                "A recorded menu counts as not answered yet.",
                pass_max=3,
            ),
            number(
                "minutes_on_hold",
                "How many minutes were you on hold in total?",
                "Prompt, first-time resolution",
                "0 if never on hold.",
                pass_max=2,
            ),
            yes_no(
                "greeting_named",
                "Did the agent greet you with the business's name and their own?",
                "Make a great first impression",
            ),
            scale(
                "smile_heard",
                "Could you hear a smile in the agent's voice?",
                "A customer can hear a smile over the phone",
                "1 = flat or irritated, 5 = warm and upbeat.",
                weight=2,
            ),
        ),
        section(
            "conversation",
            "Conversation",
            3,
            yes_no(
                "did_not_interrupt",
                "Did the agent let you finish without interrupting?",
                "Don't interrupt",
            ),
            yes_no(
                "probing_questions",
                "Did the agent ask questions to understand what you really needed?",
                "Ask probing questions and watch for hesitancy",
            ),
            yes_no(
                "confirmed_understanding",
                "Did the agent sum up your request to check they understood it?",
                "Listen to what is and isn't being said",
            ),
            yes_no(
                "please_and_thank_you",
                "Did the agent say please and thank you?",
                "Say please and thank you",
            ),
            yes_no(
                "polite_throughout",
                "Was the agent polite throughout (never curt, sarcastic or impatient)?",
                "Use your manners and be polite",
                critical=True,
            ),
        ),
        section(
            "resolution",
            "Resolution",
            3,
            yes_no(
                "solved_first_contact",
                "Was your question or problem solved on this call, with no need to call back?",
                "Solve the customer's problem",
                weight=2,
                critical=True,
            ),
            yes_no(
                "callback_promised",
                "Since it was not solved on the call, did the agent commit to calling you back at a set time?",
                "Be accountable, especially when there is a problem",
                "A vague 'someone will get back to you' does not count: it needs a day or an hour.",
                show_if=answer_is("solved_first_contact", False),
            ),
            choice(
                "transfers",
                "Were you passed around?",
                "No bouncing between departments",
                [
                    ("none", "No: the person who answered handled it", 2),
                    ("one_warm", "Transferred once, with your story passed on", 1),
                    ("bounced", "Bounced between people, or told to call another number", 0),
                ],
            ),
            yes_no(
                "no_excuses",
                "Did the agent avoid blaming systems, policies or other departments?",
                "No excuses for your systems",
            ),
        ),
        section(
            "closing",
            "Closing the call",
            2,
            yes_no(
                "thanked_and_invited_back",
                "Were you thanked for calling and invited to get back in touch or come by?",
                "Thank customers for their business and invite them back",
            ),
            yes_no(
                "asked_how_to_serve_better",
                "Did the agent ask whether there was anything else, or how they could serve you better?",
                "Ask how you can serve them better",
            ),
            text(
                "call_notes",
                "What stood out in this call, good or bad?",
                "Walk in your customer's shoes",
            ),
        ),
    ],
}

WEBSITE = {
    "builtin_key": "builtin-website",
    "channel": "website",
    "name": "Website visit",
    "description": (
        "Visit the website on a phone as a first-time customer: find a product or service, get an "
        "answer to a practical question and go as far as the last step of buying or booking."
    ),
    "pass_threshold": 80,
    "sections": [
        section(
            "first_impression",
            "First impression",
            2,
            photo(
                "home_page_screenshot",
                "Screenshot the home page as it first appears on your phone.",
                "Make a great first impression",
                low=1,
                high=2,
            ),
            number(
                "seconds_until_usable",
                "How many seconds until the home page was usable?",
                "Make a great first impression",
                "On a normal mobile connection, from tapping the link.",
                pass_max=3,
            ),
            scale(
                "purpose_clear",
                "How clearly did the home page say what the business offers?",
                "Keep it easy to understand and use",
            ),
        ),
        section(
            "usability",
            "Ease of use",
            3,
            yes_no(
                "easy_on_a_phone",
                "Was the website easy to use on a phone (readable without zooming, easy to tap)?",
                "Make your website user friendly",
                weight=2,
            ),
            number(
                "taps_to_find",
                "How many taps or clicks did it take to find what you came for?",
                "Make your website user friendly",
                pass_max=3,
            ),
            choice(
                "search_result",
                "How did searching for it go?",
                "Make your website user friendly",
                [
                    ("first_try", "Found on the first try", 2),
                    ("rephrased", "Found after rephrasing", 1),
                    ("not_found", "Not found", 0),
                ],
                allow_na=True,
            ),
            yes_no(
                "contact_details_visible",
                "Were opening hours, phone and email easy to find?",
                "Be reachable at every access point",
            ),
            yes_no(
                "no_dead_ends",
                "Did you avoid broken links, error pages and dead ends?",
                "Solve the customer's problem",
            ),
        ),
        section(
            "checkout",
            "Buying or booking",
            3,
            yes_no(
                "checkout_completed",
                "Could you get through buying or booking to the final step without an error?",
                "Make paying simple and quick",
                weight=2,
                critical=True,
            ),
            scale(
                "checkout_simplicity",
                "How simple was the checkout or booking form?",
                "Make paying simple and quick",
                "1 = long and confusing, 5 = short and obvious.",
            ),
            yes_no(
                "confirmation_received",
                "Did a confirmation with a thank-you arrive within 10 minutes?",
                "Thank customers for their business and invite them back",
                allow_na=True,
                show_if=answered_yes("checkout_completed"),
            ),
        ),
        section(
            "notes",
            "Notes",
            1,
            text(
                "website_notes",
                "Where did the website make you hesitate or give up?",
                "Walk in your customer's shoes",
            ),
        ),
    ],
}

EMAIL = {
    "builtin_key": "builtin-email",
    "channel": "email",
    "name": "Email enquiry",
    "description": (
        "Send the public address a realistic question or complaint with two distinct questions in "
        "it, and judge the reply you get (or don't)."
    ),
    "pass_threshold": 80,
    "sections": [
        section(
            "response",
            "Getting an answer",
            3,
            yes_no(
                "reply_received",
                "Did a person reply at all within three working days?",
                "Be reachable at every access point",
                "If not, the questions about the reply are skipped.",
                critical=True,
            ),
            number(
                "hours_to_reply",
                "How many working hours until a person replied?",
                "Prompt, first-time resolution",
                pass_max=24,
                allow_na=True,
                show_if=answered_yes("reply_received"),
            ),
            yes_no(
                "acknowledged_with_timeframe",
                "Did an acknowledgement arrive at once, saying when to expect an answer?",
                "Listen to what is and isn't being said",
            ),
        ),
        section(
            "content",
            "The reply",
            3,
            yes_no(
                "answered_every_question",
                "Did the reply answer every question you asked?",
                "Listen to what is and isn't being said",
                allow_na=True,
            ),
            yes_no(
                "solved_first_reply",
                "Was your problem solved by the first reply, without having to write again?",
                "Solve the customer's problem",
                weight=2,
                critical=True,
                allow_na=True,
            ),
            choice(
                "handled_by",
                "Who handled it?",
                "Don't put the fix in the customer's lap",
                [
                    ("handled", "They handled it themselves", 2),
                    ("forwarded", "Forwarded internally, and you were told", 1),
                    ("sent_elsewhere", "You were told to contact someone else", 0),
                ],
                allow_na=True,
            ),
            scale(
                "clear_and_personal",
                "How clear and personal was the reply (your name, a real signature, no boilerplate)?",
                "Create a relationship, not just a sale",
                allow_na=True,
            ),
            yes_no(
                "polite_no_excuses",
                "Was the reply polite, without excuses about systems or policies?",
                "No excuses for your systems",
                allow_na=True,
            ),
            photo(
                "reply_screenshot",
                "Attach a screenshot of the reply.",
                "Outstanding service must be measured",
                low=0,
                high=3,
            ),
            show_if=answered_yes("reply_received"),
        ),
        section(
            "follow_up",
            "Follow-up",
            2,
            yes_no(
                "thanked_and_invited_back",
                "Did the reply thank you and invite you to get back in touch?",
                "Thank customers for their business and invite them back",
                allow_na=True,
                show_if=answered_yes("reply_received"),
            ),
            yes_no(
                "checked_back",
                "Did someone check back later that the answer worked for you?",
                "Check back after the sale",
                allow_na=True,
                show_if=answered_yes("reply_received"),
            ),
            text(
                "email_notes",
                "Anything in the exchange that would make you trust them more or less?",
                "Walk in your customer's shoes",
            ),
        ),
    ],
}

#: The chat's conversation is only asked about when the shopper reached a person.
REACHED_A_PERSON = {"!==": [{"var": "handoff"}, "stuck"]}

CHAT = {
    "builtin_key": "builtin-chat",
    "channel": "chat",
    "name": "Live chat",
    "description": (
        "Open the website's or app's live chat with a practical problem and follow it through to "
        "the end of the conversation."
    ),
    "pass_threshold": 80,
    "sections": [
        section(
            "start",
            "Starting the chat",
            2,
            number(
                "minutes_to_a_person",
                "How many minutes until a person (not a bot) answered?",
                "Prompt, first-time resolution",
                pass_max=2,
            ),
            choice(
                "handoff",
                "How did you reach a person?",
                "Don't put the fix in the customer's lap",
                [
                    ("smooth", "Directly, or a bot passed your question on", 2),
                    ("repeat", "You had to repeat your question to the person", 1),
                    ("stuck", "You could not reach a person", 0),
                ],
            ),
            yes_no(
                "personal_greeting",
                "Did the agent greet you personally?",
                "Make a great first impression",
                show_if=REACHED_A_PERSON,
            ),
        ),
        section(
            "conversation",
            "Conversation",
            3,
            yes_no(
                "understood_first_time",
                "Did the agent understand your problem without you having to rephrase it?",
                "Listen to what is and isn't being said",
            ),
            yes_no(
                "did_not_cut_off",
                "Did the agent let you finish your messages, without cutting in or closing the chat early?",
                "Don't interrupt",
            ),
            yes_no(
                "please_and_thank_you",
                "Did the agent say please and thank you?",
                "Say please and thank you",
            ),
            scale(
                "human_tone",
                "How friendly and human did the agent sound?",
                "Create a relationship, not just a sale",
                "1 = scripted and cold, 5 = warm and natural.",
            ),
            show_if=REACHED_A_PERSON,
        ),
        section(
            "resolution",
            "Resolution",
            3,
            yes_no(
                "solved_first_contact",
                "Was the problem solved in this chat, with no need to contact them again?",
                "Solve the customer's problem",
                weight=2,
                critical=True,
            ),
            yes_no(
                "kept_in_chat",
                "Were you helped in the chat rather than told to call or email another department?",
                "No bouncing between departments",
            ),
            yes_no(
                "transcript_offered",
                "Was a transcript or written summary offered?",
                "Deliver more than what is expected",
            ),
            photo(
                "chat_screenshot",
                "Screenshot the conversation.",
                "Outstanding service must be measured",
                low=1,
                high=5,
            ),
            show_if=REACHED_A_PERSON,
        ),
        section(
            "closing",
            "Closing",
            2,
            yes_no(
                "thanked_and_invited_back",
                "Were you thanked and invited to come back?",
                "Thank customers for their business and invite them back",
            ),
            yes_no(
                "asked_how_to_serve_better",
                "Were you asked for feedback or how they could serve you better?",
                "Ask how you can serve them better",
            ),
            text(
                "chat_notes",
                "What would have made this chat better?",
                "Walk in your customer's shoes",
            ),
        ),
    ],
}

SOCIAL = {
    "builtin_key": "builtin-social",
    "channel": "social",
    "name": "Social media",
    "description": (
        "Post a public question or mild complaint on the business's main social media account (or "
        "send a direct message) and judge how, how fast and where they answer."
    ),
    "pass_threshold": 80,
    "sections": [
        section(
            "response",
            "Response",
            3,
            yes_no(
                "responded",
                "Did the business respond at all within 24 hours?",
                "Be reachable at every access point",
                "If not, the questions about their answer are skipped.",
                critical=True,
            ),
            number(
                "hours_to_respond",
                "How many hours until the first response?",
                "Prompt, first-time resolution",
                pass_max=4,
                allow_na=True,
                show_if=answered_yes("responded"),
            ),
            choice(
                "where_answered",
                "Where did they answer?",
                "Be reachable at every access point",
                [
                    ("public_then_private", "Publicly, moving personal details to a private message", 2),
                    ("private_only", "Only privately", 1),
                    ("hidden", "Comment hidden or deleted without an answer", 0),
                ],
                allow_na=True,
                show_if=answered_yes("responded"),
            ),
        ),
        section(
            "tone",
            "Tone",
            3,
            yes_no(
                "polite_not_defensive",
                "Was the answer polite and never defensive, even about your criticism?",
                "Never tell customers their perception is wrong",
                critical=True,
                allow_na=True,
            ),
            scale(
                "personal_reply",
                "How personal was the reply (not copy-pasted)?",
                "Create a relationship, not just a sale",
                allow_na=True,
            ),
            yes_no(
                "no_excuses",
                "Did they avoid excuses about systems, policies or other teams?",
                "No excuses for your systems",
                allow_na=True,
            ),
            show_if=answered_yes("responded"),
        ),
        section(
            "resolution",
            "Resolution",
            3,
            yes_no(
                "solved",
                "Was your question answered or your problem solved?",
                "Solve the customer's problem",
                weight=2,
                allow_na=True,
            ),
            yes_no(
                "not_redirected",
                "Did they handle it themselves rather than send you to another channel to start over?",
                "No bouncing between departments",
                allow_na=True,
            ),
            yes_no(
                "thanked_for_feedback",
                "Did they thank you for the feedback or your business?",
                "Thank customers for their business and invite them back",
                allow_na=True,
            ),
            yes_no(
                "asked_how_to_serve_better",
                "Did they ask how they could do better?",
                "Ask how you can serve them better",
                allow_na=True,
            ),
            show_if=answered_yes("responded"),
        ),
        section(
            "evidence",
            "Evidence",
            1,
            photo(
                "thread_screenshot",
                "Screenshot your post and their replies.",
                "Outstanding service must be measured",
                low=1,
                high=5,
            ),
            text(
                "social_notes",
                "How would other customers reading the thread see the business?",
                "Walk in your customer's shoes",
            ),
        ),
    ],
}

#: The library's languages: English (the default) and French, written by hand (``library_fr``).
LANGUAGES = ["en", "fr"]


def _bilingual(english: str, french: str | None, where: str) -> str | dict:
    if english == "":
        return ""  # an empty help text stays empty in every language
    if not french:
        raise KeyError(f"No French text for {where}")
    return {"en": english, "fr": french}


def with_french(entry: dict) -> dict:
    """The entry with every text as ``{"en": ..., "fr": ...}`` (KeyError if a translation is missing)."""

    texts = FR[entry["builtin_key"]]
    where = entry["builtin_key"]
    for sec in entry["sections"]:
        sec["title"] = _bilingual(sec["title"], texts["sections"].get(sec["key"]), f"{where}/{sec['key']}")
        for item in sec["items"]:
            french = texts["items"].get(item["key"], ())
            path = f"{where}/{item['key']}"
            item["prompt"] = _bilingual(item["prompt"], french[0] if french else None, path)
            item["help_text"] = _bilingual(
                item["help_text"], french[1] if len(french) > 1 else None, path + " help"
            )
            labels = texts["options"].get(item["key"], {})
            for option in item.get("options", []):
                option["label"] = _bilingual(
                    option["label"], labels.get(option["key"]), f"{path}/{option['key']}"
                )
    entry["languages"] = list(LANGUAGES)
    return entry


LIBRARY: list[dict] = [with_french(entry) for entry in (IN_PERSON, PHONE, WEBSITE, EMAIL, CHAT, SOCIAL)]
