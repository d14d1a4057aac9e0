"""French texts of the built-in library, written for French-speaking shoppers (not word for word).

One entry per checklist (``builtin_key``): section titles, item prompts with their help text, and
choice labels. ``checklists.library`` turns every English text into ``{"en": ..., "fr": ...}``
and refuses to load if any text lacks its French version here. The shopper is addressed with
"vous"; staff are "le personnel", "le conseiller" or "l'agent" as French service jargon has it.
"""

FR: dict[str, dict] = {
    "builtin-in-person": {
        "sections": {
            "arrival": "Arrivée et première impression",
            "conversation": "Échange et savoir-vivre",
            "checkout": "Passage en caisse",
            "farewell": "Au moment de partir",
        },
        "items": {
            "storefront": (
                "En arrivant, prenez en photo la devanture et l'entrée.",
                "Bien de face, à la lumière du jour si possible, sans aucun visage reconnaissable.",
            ),
            "entrance_clean_tidy": (
                "L'entrée et la surface de vente étaient-elles propres et bien rangées ?",
            ),
            "greeted_within_30s": (
                "Vous a-t-on salué dans les 30 secondes après votre entrée ?",
                "Un bonjour, un signe de tête ou un « je suis à vous tout de suite » suffisent ; "
                "le chrono démarre au pas de la porte.",
            ),
            "acknowledged_within_2min": (
                "Personne ne vous a salué tout de suite : quelqu'un a-t-il au moins remarqué votre présence "
                "dans les 2 minutes ?",
                "Un regard, un geste de la main ou « j'arrive dans un instant » comptent.",
            ),
            "welcome_warmth": (
                "L'accueil était-il chaleureux (sourire, regard, ton de la voix) ?",
                "1 = froid, voire ignoré ; 5 = on était sincèrement content de vous voir.",
            ),
            "asked_about_needs": (
                "Avant de vous conseiller quoi que ce soit, vous a-t-on demandé ce que vous cherchiez ?",
            ),
            "did_not_interrupt": ("Vous a-t-on laissé finir vos phrases sans vous couper la parole ?",),
            "please_and_thank_you": ("Le personnel a-t-il dit « s'il vous plaît » et « merci » ?",),
            "polite_throughout": (
                "Toutes les personnes rencontrées sont-elles restées courtoises du début à la fin "
                "(jamais impolies, méprisantes ni impatientes) ?",
            ),
            "explained_simply": (
                "Les explications et les conseils étaient-ils faciles à comprendre ?",
                "1 = jargon ou confusion ; 5 = clair et concis.",
            ),
            "problem_owned_and_solved": (
                "Quand vous avez posé votre question ou exposé votre problème, a-t-il été réglé sur place, "
                "sans qu'on vous renvoie ailleurs ?",
                "Ne répondez « sans objet » que si vous n'avez pas pu l'aborder.",
            ),
            "wow_moment": (
                "Quelqu'un a-t-il fait plus que ce que vous attendiez (un petit effet « waouh ») ?",
                "Racontez-le en commentaire.",
            ),
            "minutes_waited_to_pay": (
                "Combien de minutes avez-vous attendu pour payer ?",
                "Du moment où vous rejoignez la file jusqu'à ce qu'on s'occupe de vous.",
            ),
            "payment_experience": ("Le paiement s'est-il fait facilement ?",),
            "payment_problem": (
                "Qu'est-ce qui a compliqué le paiement ?",
                "Moyen de paiement refusé, erreur de caisse, attente… décrivez ce qui s'est passé.",
            ),
            "thanked_and_invited_back": ("Vous a-t-on remercié de votre achat et invité à revenir ?",),
            "asked_how_to_serve_better": (
                "Vous a-t-on demandé ce qu'on pourrait faire de mieux pour vous ?",
            ),
            "relationship": ("Dans l'ensemble, quelle impression vous a laissée cette visite ?",),
            "tell_a_friend": (
                "Que diriez-vous de cette visite à un ami ?",
                "Une ou deux phrases, avec vos mots à vous.",
            ),
        },
        "options": {
            "payment_experience": {
                "effortless": "Sans effort : votre moyen de paiement habituel, rapide et clair",
                "some_friction": "Quelques accrocs : une restriction ou de l'attente, mais rien de grave",
                "difficult": "Compliqué : moyen refusé, erreurs ou confusion",
            },
            "relationship": {
                "relationship": "Une vraie relation : on tenait à ce que vous reveniez",
                "transaction": "Une vente correcte, sans plus",
                "rushed": "Expédiée ou indifférente",
            },
        },
    },
    "builtin-phone": {
        "sections": {
            "answering": "La prise d'appel",
            "conversation": "L'échange",
            "resolution": "La solution",
            "closing": "La fin de l'appel",
        },
        "items": {
            "rings_before_answer": (
                "Au bout de combien de sonneries une personne a-t-elle décroché ?",
                "Un serveur vocal ne compte pas comme une réponse.",
            ),
            "minutes_on_hold": (
                "Combien de minutes avez-vous patienté en attente, au total ?",
                "Indiquez 0 si on ne vous a jamais mis en attente.",
            ),
            "greeting_named": (
                "Le conseiller s'est-il présenté en donnant le nom de l'entreprise et le sien ?",
            ),
            "smile_heard": (
                "Entendait-on le sourire dans la voix du conseiller ?",
                "1 = voix monotone ou agacée ; 5 = chaleureuse et enjouée.",
            ),
            "did_not_interrupt": ("Le conseiller vous a-t-il laissé terminer sans vous interrompre ?",),
            "probing_questions": (
                "Le conseiller a-t-il posé des questions pour bien comprendre ce dont vous aviez besoin ?",
            ),
            "confirmed_understanding": (
                "A-t-il reformulé votre demande pour s'assurer de l'avoir bien comprise ?",
            ),
            "please_and_thank_you": ("Le conseiller a-t-il dit « s'il vous plaît » et « merci » ?",),
            "polite_throughout": (
                "Est-il resté courtois tout au long de l'appel (jamais sec, ironique ni impatient) ?",
            ),
            "solved_first_contact": (
                "Votre question ou votre problème a-t-il été réglé pendant cet appel, sans avoir à rappeler ?",
            ),
            "callback_promised": (
                "Puisque rien n'a été réglé pendant l'appel, le conseiller s'est-il engagé à vous rappeler "
                "à un moment précis ?",
                "Un vague « on vous recontactera » ne suffit pas : il faut un jour ou une heure.",
            ),
            "transfers": ("Vous a-t-on baladé d'un interlocuteur à l'autre ?",),
            "no_excuses": (
                "Le conseiller a-t-il évité de rejeter la faute sur le système, le règlement ou un autre service ?",
            ),
            "thanked_and_invited_back": (
                "Vous a-t-on remercié de votre appel et invité à reprendre contact ou à passer ?",
            ),
            "asked_how_to_serve_better": (
                "Le conseiller vous a-t-il demandé s'il pouvait faire autre chose pour vous, ou mieux vous servir ?",
            ),
            "call_notes": ("Qu'est-ce qui vous a marqué dans cet appel, en bien ou en mal ?",),
        },
        "options": {
            "transfers": {
                "none": "Non : la personne qui a décroché s'en est occupée",
                "one_warm": "Un seul transfert, et votre demande a été transmise",
                "bounced": "Renvoyé de l'un à l'autre, ou prié d'appeler un autre numéro",
            },
        },
    },
    "builtin-website": {
        "sections": {
            "first_impression": "Première impression",
            "usability": "Facilité d'utilisation",
            "checkout": "Achat ou réservation",
            "notes": "Remarques",
        },
        "items": {
            "home_page_screenshot": (
                "Faites une capture de la page d'accueil telle qu'elle s'affiche sur votre téléphone.",
            ),
            "seconds_until_usable": (
                "Au bout de combien de secondes la page d'accueil était-elle utilisable ?",
                "Avec une connexion mobile ordinaire, à partir du moment où vous touchez le lien.",
            ),
            "purpose_clear": ("La page d'accueil dit-elle clairement ce que propose l'entreprise ?",),
            "easy_on_a_phone": (
                "Le site était-il facile à utiliser sur téléphone (lisible sans zoomer, boutons faciles à toucher) ?",
            ),
            "taps_to_find": (
                "Combien de clics ou de touches vous a-t-il fallu pour trouver ce que vous cherchiez ?",
            ),
            "search_result": ("Comment s'est passée votre recherche ?",),
            "contact_details_visible": (
                "Les horaires, le téléphone et l'adresse e-mail étaient-ils faciles à trouver ?",
            ),
            "no_dead_ends": ("Avez-vous échappé aux liens cassés, pages d'erreur et impasses ?",),
            "checkout_completed": (
                "Avez-vous pu aller au bout de l'achat ou de la réservation, jusqu'à la dernière étape, "
                "sans erreur ?",
            ),
            "checkout_simplicity": (
                "Le formulaire de commande ou de réservation était-il simple ?",
                "1 = long et déroutant ; 5 = court et évident.",
            ),
            "confirmation_received": (
                "Une confirmation avec un mot de remerciement est-elle arrivée dans les 10 minutes ?",
            ),
            "website_notes": ("À quel moment le site vous a-t-il fait hésiter ou renoncer ?",),
        },
        "options": {
            "search_result": {
                "first_try": "Trouvé du premier coup",
                "rephrased": "Trouvé en reformulant",
                "not_found": "Introuvable",
            },
        },
    },
    "builtin-email": {
        "sections": {
            "response": "Obtenir une réponse",
            "content": "La réponse",
            "follow_up": "Le suivi",
        },
        "items": {
            "reply_received": (
                "Une personne vous a-t-elle répondu, même brièvement, dans les trois jours ouvrés ?",
                "Sinon, les questions sur la réponse ne vous seront pas posées.",
            ),
            "hours_to_reply": (
                "Combien d'heures ouvrées se sont écoulées avant la réponse d'une personne ?",
            ),
            "acknowledged_with_timeframe": (
                "Un accusé de réception est-il arrivé aussitôt, en indiquant sous quel délai vous auriez une réponse ?",
            ),
            "answered_every_question": (
                "La réponse traitait-elle toutes les questions que vous aviez posées ?",
            ),
            "solved_first_reply": (
                "Votre problème a-t-il été réglé dès la première réponse, sans avoir à relancer ?",
            ),
            "handled_by": ("Qui s'est occupé de votre demande ?",),
            "clear_and_personal": (
                "La réponse était-elle claire et personnalisée (votre nom, une vraie signature, pas de "
                "formules toutes faites) ?",
            ),
            "polite_no_excuses": (
                "La réponse était-elle aimable, sans excuses liées au système ou au règlement ?",
            ),
            "reply_screenshot": ("Joignez une capture d'écran de la réponse.",),
            "thanked_and_invited_back": (
                "La réponse vous remerciait-elle et vous invitait-elle à reprendre contact ?",
            ),
            "checked_back": (
                "Quelqu'un est-il revenu vers vous ensuite pour vérifier que la solution avait marché ?",
            ),
            "email_notes": (
                "Qu'est-ce qui, dans cet échange, vous donnerait plus ou moins confiance en eux ?",
            ),
        },
        "options": {
            "handled_by": {
                "handled": "Ils s'en sont chargés eux-mêmes",
                "forwarded": "Transmise en interne, et on vous l'a signalé",
                "sent_elsewhere": "On vous a dit de vous adresser à quelqu'un d'autre",
            },
        },
    },
    "builtin-chat": {
        "sections": {
            "start": "Ouverture du chat",
            "conversation": "L'échange",
            "resolution": "La solution",
            "closing": "La fin du chat",
        },
        "items": {
            "minutes_to_a_person": (
                "Au bout de combien de minutes une vraie personne (pas un robot) a-t-elle répondu ?",
            ),
            "handoff": ("Comment êtes-vous arrivé jusqu'à une personne ?",),
            "personal_greeting": ("Le conseiller vous a-t-il accueilli de façon personnelle ?",),
            "understood_first_time": (
                "Le conseiller a-t-il compris votre problème sans que vous ayez à le reformuler ?",
            ),
            "did_not_cut_off": (
                "Vous a-t-il laissé finir vos messages, sans vous couper ni fermer le chat trop tôt ?",
            ),
            "please_and_thank_you": ("Le conseiller a-t-il dit « s'il vous plaît » et « merci » ?",),
            "human_tone": (
                "Le conseiller paraissait-il aimable et humain ?",
                "1 = réponses toutes faites et froides ; 5 = chaleureux et naturel.",
            ),
            "solved_first_contact": (
                "Le problème a-t-il été réglé dans ce chat, sans avoir à les recontacter ?",
            ),
            "kept_in_chat": (
                "Vous a-t-on aidé dans le chat plutôt que de vous demander d'appeler ou d'écrire à un autre service ?",
            ),
            "transcript_offered": (
                "Vous a-t-on proposé une copie de la conversation ou un récapitulatif écrit ?",
            ),
            "chat_screenshot": ("Faites une capture d'écran de la conversation.",),
            "thanked_and_invited_back": ("Vous a-t-on remercié et invité à revenir ?",),
            "asked_how_to_serve_better": ("Vous a-t-on demandé votre avis, ou comment mieux vous servir ?",),
            "chat_notes": ("Qu'est-ce qui aurait rendu ce chat plus satisfaisant ?",),
        },
        "options": {
            "handoff": {
                "smooth": "Directement, ou le robot a transmis votre question",
                "repeat": "Vous avez dû répéter votre question à la personne",
                "stuck": "Impossible de joindre une personne",
            },
        },
    },
    "builtin-social": {
        "sections": {
            "response": "La réponse",
            "tone": "Le ton",
            "resolution": "La solution",
            "evidence": "Preuves",
        },
        "items": {
            "responded": (
                "L'entreprise a-t-elle réagi d'une manière ou d'une autre dans les 24 heures ?",
                "Sinon, les questions sur sa réponse ne vous seront pas posées.",
            ),
            "hours_to_respond": ("Au bout de combien d'heures est arrivée la première réponse ?",),
            "where_answered": ("Où vous a-t-on répondu ?",),
            "polite_not_defensive": (
                "La réponse était-elle courtoise, sans jamais se mettre sur la défensive, même face à vos critiques ?",
            ),
            "personal_reply": ("La réponse était-elle personnalisée (et non un copier-coller) ?",),
            "no_excuses": (
                "Ont-ils évité de se retrancher derrière le système, le règlement ou une autre équipe ?",
            ),
            "solved": ("A-t-on répondu à votre question ou réglé votre problème ?",),
            "not_redirected": (
                "S'en sont-ils occupés eux-mêmes, plutôt que de vous renvoyer vers un autre canal pour tout "
                "reprendre à zéro ?",
            ),
            "thanked_for_feedback": ("Vous ont-ils remercié pour votre retour ou pour votre fidélité ?",),
            "asked_how_to_serve_better": ("Vous ont-ils demandé ce qu'ils pourraient améliorer ?",),
            "thread_screenshot": ("Faites une capture d'écran de votre message et de leurs réponses.",),
            "social_notes": (
                "Quelle image de l'entreprise garderaient d'autres clients qui liraient cet échange ?",
            ),
        },
        "options": {
            "where_answered": {
                "public_then_private": "En public, puis en message privé pour les informations personnelles",
                "private_only": "Uniquement en message privé",
                "hidden": "Commentaire masqué ou supprimé, sans réponse",
            },
        },
    },
}
