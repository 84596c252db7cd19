/**
 * Every configuration option, in one table: its environment variable, its `start` flag, its type,
 * its default and what it does. The loader, the CLI flags and docs/configuration.md all come from
 * this table, so an option cannot exist without being documented.
 */
export type OptionType = 'string' | 'integer' | 'boolean' | 'list' | 'size';

export interface OptionSpec {
  key: string;
  env: string;
  type: OptionType;
  default: string | number | boolean | string[] | null;
  description: string;
  secret?: boolean;
}

export const OPTIONS = [
  {
    key: 'dataDir',
    env: 'SWITCHBOARD_DATA_DIR',
    type: 'string',
    default: './data',
    description: 'Folder for the SQLite database, blobs, keys and ports.json.',
  },
  {
    key: 'httpHost',
    env: 'SWITCHBOARD_HTTP_HOST',
    type: 'string',
    default: '0.0.0.0',
    description: 'Address the HTTP server listens on (127.0.0.1 for loopback only).',
  },
  {
    key: 'httpPort',
    env: 'SWITCHBOARD_HTTP_PORT',
    type: 'integer',
    default: 8080,
    description: 'HTTP(S) port for the REST API and web app; 0 picks a free port.',
  },
  {
    key: 'tlsCert',
    env: 'SWITCHBOARD_TLS_CERT',
    type: 'string',
    default: null,
    description: 'PEM certificate file; with tlsKey, the HTTP server speaks HTTPS.',
  },
  {
    key: 'tlsKey',
    env: 'SWITCHBOARD_TLS_KEY',
    type: 'string',
    default: null,
    description: 'PEM private key file for tlsCert.',
    secret: true,
  },
  {
    key: 'domains',
    env: 'SWITCHBOARD_DOMAINS',
    type: 'list',
    default: ['localhost'],
    description: 'Locally owned mail, SIP and voice messenger domains, comma-separated.',
  },
  {
    key: 'numberRanges',
    env: 'SWITCHBOARD_NUMBER_RANGES',
    type: 'list',
    default: [],
    description:
      'Locally owned telephone number prefixes in E.164 form (e.g. +1555), comma-separated.',
  },
  {
    key: 'dynamicMailboxes',
    env: 'SWITCHBOARD_DYNAMIC_MAILBOXES',
    type: 'boolean',
    default: false,
    description:
      'Create a subscriber and mailbox for a message to an unknown address in an owned domain or number range (seed 000 claims 30-34). When false such messages are refused.',
  },
  {
    key: 'databaseUrl',
    env: 'SWITCHBOARD_DATABASE_URL',
    type: 'string',
    default: null,
    description: 'PostgreSQL connection URL for scale-out; SQLite in the data folder when unset.',
    secret: true,
  },
  {
    key: 'natsUrl',
    env: 'SWITCHBOARD_NATS_URL',
    type: 'string',
    default: null,
    description: 'NATS server for scale-out (not used yet: the in-process bus serves one node).',
  },
  {
    key: 'adminToken',
    env: 'SWITCHBOARD_ADMIN_TOKEN',
    type: 'string',
    default: null,
    description:
      'Bootstrap bearer token with admin rights for the API and CLI; unset turns the token path off.',
    secret: true,
  },
  {
    key: 'blobKeys',
    env: 'SWITCHBOARD_BLOB_KEYS',
    type: 'list',
    default: [],
    description:
      'Blob encryption keys as id:base64 (32 bytes each), comma-separated. When empty, a key is generated into <data dir>/keys on first start.',
    secret: true,
  },
  {
    key: 'blobKeyId',
    env: 'SWITCHBOARD_BLOB_KEY_ID',
    type: 'string',
    default: null,
    description:
      'Id of the key new blobs are encrypted with; default the last key listed (or the generated one).',
  },
  {
    key: 'inlineBlobMaxBytes',
    env: 'SWITCHBOARD_INLINE_BLOB_MAX_BYTES',
    type: 'size',
    default: 8192,
    description:
      'Parts up to this size are stored (encrypted) in the database instead of a blob file.',
  },
  {
    key: 'maxMessageBytes',
    env: 'SWITCHBOARD_MAX_MESSAGE_BYTES',
    type: 'size',
    default: 26214400,
    description: 'Largest message accepted, all parts together (bytes; suffixes k, m, g allowed).',
  },
  {
    key: 'maxRecipients',
    env: 'SWITCHBOARD_MAX_RECIPIENTS',
    type: 'integer',
    default: 100,
    description: 'Most recipients one message may have.',
  },
  {
    key: 'sessionTtlHours',
    env: 'SWITCHBOARD_SESSION_TTL_HOURS',
    type: 'integer',
    default: 168,
    description: 'Lifetime of a session token from POST /api/v1/sessions.',
  },
  {
    key: 'defaultLanguage',
    env: 'SWITCHBOARD_DEFAULT_LANGUAGE',
    type: 'string',
    default: 'en',
    description: 'Default profile: language (BCP 47) of new subscribers.',
  },
  {
    key: 'defaultTimeZone',
    env: 'SWITCHBOARD_DEFAULT_TIME_ZONE',
    type: 'string',
    default: 'UTC',
    description: 'Default profile: IANA time zone of new subscribers.',
  },
  {
    key: 'defaultCurrency',
    env: 'SWITCHBOARD_DEFAULT_CURRENCY',
    type: 'string',
    default: 'USD',
    description: 'Default profile: ISO 4217 currency of new subscribers.',
  },
  {
    key: 'defaultQuotaBytes',
    env: 'SWITCHBOARD_DEFAULT_QUOTA_BYTES',
    type: 'size',
    default: 1073741824,
    description: 'Default profile: mailbox quota in bytes (0 means unlimited).',
  },
  {
    key: 'defaultQuotaMessages',
    env: 'SWITCHBOARD_DEFAULT_QUOTA_MESSAGES',
    type: 'integer',
    default: 0,
    description: 'Default profile: most messages a mailbox holds (0 means unlimited).',
  },
  {
    key: 'defaultRetentionDays',
    env: 'SWITCHBOARD_DEFAULT_RETENTION_DAYS',
    type: 'integer',
    default: 0,
    description:
      'Default profile: days messages are kept (0 means forever; applied by maintenance).',
  },
  {
    key: 'publicUrl',
    env: 'SWITCHBOARD_PUBLIC_URL',
    type: 'string',
    default: null,
    description:
      'Base URL outsiders reach this server at, for signed links in webhooks and notices; default the listening address.',
  },
  {
    key: 'deliveryPollMs',
    env: 'SWITCHBOARD_DELIVERY_POLL_MS',
    type: 'integer',
    default: 1000,
    description:
      'How often the delivery queue looks for due work when nothing wakes it (new deliveries wake it at once).',
  },
  {
    key: 'deliveryLeaseSeconds',
    env: 'SWITCHBOARD_DELIVERY_LEASE_SECONDS',
    type: 'integer',
    default: 60,
    description:
      'How long a process holds a delivery it is sending; when it dies, another takes the delivery over after this.',
  },
  {
    key: 'deliveryRetryBaseMs',
    env: 'SWITCHBOARD_DELIVERY_RETRY_BASE_MS',
    type: 'integer',
    default: 30000,
    description:
      'First retry delay after a temporary failure; doubles with each attempt, with jitter.',
  },
  {
    key: 'deliveryRetryMaxMs',
    env: 'SWITCHBOARD_DELIVERY_RETRY_MAX_MS',
    type: 'integer',
    default: 3600000,
    description: 'Longest delay between retries.',
  },
  {
    key: 'deliveryBatch',
    env: 'SWITCHBOARD_DELIVERY_BATCH',
    type: 'integer',
    default: 64,
    description: 'Most deliveries one process claims at once.',
  },
  {
    key: 'resourceFailureLimit',
    env: 'SWITCHBOARD_RESOURCE_FAILURE_LIMIT',
    type: 'integer',
    default: 5,
    description:
      'Failed attempts in a row after which a resource is taken out of service (status I) and its work goes elsewhere.',
  },
  {
    key: 'mediaTimeoutMs',
    env: 'SWITCHBOARD_MEDIA_TIMEOUT_MS',
    type: 'integer',
    default: 120000,
    description: 'Longest one conversion step may run before it is stopped.',
  },
  {
    key: 'mediaMaxInputBytes',
    env: 'SWITCHBOARD_MEDIA_MAX_INPUT_BYTES',
    type: 'size',
    default: 104857600,
    description: 'Largest part the conversion graph takes.',
  },
  {
    key: 'mediaMaxOutputBytes',
    env: 'SWITCHBOARD_MEDIA_MAX_OUTPUT_BYTES',
    type: 'size',
    default: 209715200,
    description: 'Largest output of one conversion step; beyond it the conversion is refused.',
  },
  {
    key: 'mediaMaxPages',
    env: 'SWITCHBOARD_MEDIA_MAX_PAGES',
    type: 'integer',
    default: 200,
    description: 'Most pages a document or fax may have to be converted.',
  },
  {
    key: 'mediaMaxAudioSeconds',
    env: 'SWITCHBOARD_MEDIA_MAX_AUDIO_SECONDS',
    type: 'integer',
    default: 3600,
    description: 'Longest recording the conversion graph takes.',
  },
  {
    key: 'mediaConcurrency',
    env: 'SWITCHBOARD_MEDIA_CONCURRENCY',
    type: 'integer',
    default: 2,
    description:
      'Conversions run at once; more wait their turn, so conversions never starve the server.',
  },
  {
    key: 'transcribeVoice',
    env: 'SWITCHBOARD_TRANSCRIBE_VOICE',
    type: 'boolean',
    default: false,
    description:
      'Transcribe new voice messages automatically (pocketsphinx baseline; see docs/media.md for its accuracy), stored as derived text parts and indexed for search.',
  },
  {
    key: 'greetingMaxBytes',
    env: 'SWITCHBOARD_GREETING_MAX_BYTES',
    type: 'size',
    default: 10485760,
    description:
      'Largest greeting (unavailable, busy, name) a subscriber may upload or record, as sent; more is refused with 413.',
  },
  {
    key: 'greetingMaxSeconds',
    env: 'SWITCHBOARD_GREETING_MAX_SECONDS',
    type: 'integer',
    default: 120,
    description: 'Longest greeting a subscriber may upload or record; longer is refused with 413.',
  },
  {
    key: 'smtpPort',
    env: 'SWITCHBOARD_SMTP_PORT',
    type: 'integer',
    default: 2525,
    description:
      'SMTP port for mail to local subscribers (no relaying); 0 picks a free port. Listens on SWITCHBOARD_HTTP_HOST.',
  },
  {
    key: 'submissionPort',
    env: 'SWITCHBOARD_SUBMISSION_PORT',
    type: 'integer',
    default: 2587,
    description:
      'SMTP submission port (AUTH PLAIN/LOGIN after STARTTLS) for subscribers sending mail; 0 picks a free port.',
  },
  {
    key: 'smppPort',
    env: 'SWITCHBOARD_SMPP_PORT',
    type: 'integer',
    default: 2775,
    description:
      'SMPP 3.4 port where applications bind with an SMPP account (see docs/sms.md); 0 picks a free port. Listens on SWITCHBOARD_HTTP_HOST.',
  },
  {
    key: 'smppMaxConnections',
    env: 'SWITCHBOARD_SMPP_MAX_CONNECTIONS',
    type: 'integer',
    default: 200,
    description: 'SMPP connections open at once; more are closed as they arrive.',
  },
  {
    key: 'smppMaxSessionsPerAccount',
    env: 'SWITCHBOARD_SMPP_MAX_SESSIONS_PER_ACCOUNT',
    type: 'integer',
    default: 10,
    description:
      'Bound SMPP sessions one account may have at once; another bind is answered ESME_RBINDFAIL.',
  },
  {
    key: 'smppWindow',
    env: 'SWITCHBOARD_SMPP_WINDOW',
    type: 'integer',
    default: 100,
    description:
      'submit_sm one SMPP session may have unanswered at once (parts of a concatenated text count until the whole text is stored); more are answered ESME_RMSGQFUL.',
  },
  {
    key: 'smppBindTimeoutSeconds',
    env: 'SWITCHBOARD_SMPP_BIND_TIMEOUT_SECONDS',
    type: 'integer',
    default: 30,
    description: 'An SMPP connection that has not bound by then is closed.',
  },
  {
    key: 'smppIdleTimeoutSeconds',
    env: 'SWITCHBOARD_SMPP_IDLE_TIMEOUT_SECONDS',
    type: 'integer',
    default: 300,
    description:
      'An SMPP session that sends nothing, not even enquire_link, for this long is closed.',
  },
  {
    key: 'smppConcatTimeoutSeconds',
    env: 'SWITCHBOARD_SMPP_CONCAT_TIMEOUT_SECONDS',
    type: 'integer',
    default: 60,
    description:
      'How long the parts of a concatenated SMS wait for the rest; then they are answered ESME_RSUBMITFAIL and nothing is stored.',
  },
  {
    key: 'smppMaxPendingReceipts',
    env: 'SWITCHBOARD_SMPP_MAX_PENDING_RECEIPTS',
    type: 'integer',
    default: 100000,
    description:
      'Delivery receipts kept in memory for applications (awaiting a delivery, or a receiver to bind); beyond it the oldest is dropped with a warning.',
  },
  {
    key: 'sipPort',
    env: 'SWITCHBOARD_SIP_PORT',
    type: 'integer',
    default: 5060,
    description:
      'SIP port, UDP and TCP, for phones and trunks; 0 picks a free port. Listens on SWITCHBOARD_HTTP_HOST.',
  },
  {
    key: 'sipPublicHost',
    env: 'SWITCHBOARD_SIP_PUBLIC_HOST',
    type: 'string',
    default: null,
    description:
      "The host name or address phones reach the SIP port at, for Via and Contact of the requests Switchboard sends (NOTIFY); empty uses SWITCHBOARD_HTTP_HOST, or this machine's first outside IPv4 when that is a wildcard.",
  },
  {
    key: 'sipMaxMessageBytes',
    env: 'SWITCHBOARD_SIP_MAX_MESSAGE_BYTES',
    type: 'size',
    default: 65535,
    description:
      'Largest SIP message taken; larger ones are dropped (UDP) or the connection closed (TCP).',
  },
  {
    key: 'sipDigestAlgorithms',
    env: 'SWITCHBOARD_SIP_DIGEST_ALGORITHMS',
    type: 'list',
    default: ['MD5'],
    description:
      'Digest challenges offered to phones, in this order: MD5 (RFC 2617) and/or SHA-256 (RFC 8760). Both are always verified; what is offered is what phones use. Some phones (Debian baresip 1.0 among them) refuse to register at all when any challenge names an algorithm they do not know, so the default offers MD5 alone; use SHA-256,MD5 when all your phones understand both.',
  },
  {
    key: 'voicemailMaxSeconds',
    env: 'SWITCHBOARD_VOICEMAIL_MAX_SECONDS',
    type: 'integer',
    default: 180,
    description:
      'Longest voice message a caller may leave; at the limit the recording stops and the caller gets the review menu (hanging up keeps it).',
  },
  {
    key: 'voicemailNumber',
    env: 'SWITCHBOARD_VOICEMAIL_NUMBER',
    type: 'string',
    default: '*98',
    description:
      'The number subscribers call to reach their mailbox (sip:<number>@<domain>; sip:voicemail@<domain> works too). From their own registered phone no PIN is asked; from anywhere else the mailbox number (their phone number) and the PIN.',
  },
  {
    key: 'pinMaxFailures',
    env: 'SWITCHBOARD_PIN_MAX_FAILURES',
    type: 'integer',
    default: 3,
    description:
      'Wrong phone PINs in a row after which the mailbox is locked for SWITCHBOARD_PIN_LOCKOUT_SECONDS (counted across calls and nodes).',
  },
  {
    key: 'pinLockoutSeconds',
    env: 'SWITCHBOARD_PIN_LOCKOUT_SECONDS',
    type: 'integer',
    default: 900,
    description: 'How long a mailbox stays locked after too many wrong PINs.',
  },
  {
    key: 'voicemailSilenceSeconds',
    env: 'SWITCHBOARD_VOICEMAIL_SILENCE_SECONDS',
    type: 'integer',
    default: 10,
    description:
      'Silence that ends a recording (the silence itself is trimmed off); 0 records until #, the hang-up or the length limit.',
  },
  {
    key: 'faxDetectSeconds',
    env: 'SWITCHBOARD_FAX_DETECT_SECONDS',
    type: 'integer',
    default: 10,
    description:
      "How long after answering a call to a subscriber's number a fax's calling tone (CNG) is listened for; when heard, the call is received as a fax. 0: every call is a voicemail.",
  },
  {
    key: 'faxNumbers',
    env: 'SWITCHBOARD_FAX_NUMBERS',
    type: 'list',
    default: [],
    description:
      "Dedicated fax numbers (E.164, comma-separated), each one of a subscriber's numbers: calls to them are received as faxes at once, with no greeting and no listening for the fax tone.",
  },
  {
    key: 'faxMaxSeconds',
    env: 'SWITCHBOARD_FAX_MAX_SECONDS',
    type: 'integer',
    default: 1800,
    description: 'Longest fax call; the pages that arrived whole by then are kept.',
  },
  {
    key: 'faxT38',
    env: 'SWITCHBOARD_FAX_T38',
    type: 'boolean',
    default: true,
    description:
      'Whether a fax call, received or sent, may switch to T.38 when the other side offers it (re-INVITE); off, the offer is refused (488) and the fax stays on G.711.',
  },
  {
    key: 'faxEngine',
    env: 'SWITCHBOARD_FAX_ENGINE',
    type: 'string',
    default: null,
    description:
      'The fax engine helper (docs/fax.md); unset, the one scripts/ensure-fax-engine.sh builds at native/fax/build/switchboard-fax.',
  },
  {
    key: 'retentionSweepSeconds',
    env: 'SWITCHBOARD_RETENTION_SWEEP_SECONDS',
    type: 'integer',
    default: 3600,
    description:
      "How often messages past their expiry or their mailbox's retention (days) are purged.",
  },
  {
    key: 'messageLinkNumber',
    env: 'SWITCHBOARD_MESSAGE_LINK_NUMBER',
    type: 'string',
    default: null,
    description:
      "The message link number (seed 004), e.g. +15559900: calling it followed by a notice's six-digit code plays that message (at once from the subscriber's own phone, after the PIN from anywhere else). Unset: no link number.",
  },
  {
    key: 'messageLinkSeconds',
    env: 'SWITCHBOARD_MESSAGE_LINK_SECONDS',
    type: 'integer',
    default: 604800,
    description:
      'How long (seconds; 604800 is a week) the web link in a notice opens its message without signing in; deleting the message ends it sooner.',
  },
  {
    key: 'noticePollSeconds',
    env: 'SWITCHBOARD_NOTICE_POLL_SECONDS',
    type: 'integer',
    default: 60,
    description:
      'How often the notice scheduler looks for welcomes, reminders, expiry notices and digests that are due (one node at a time runs it; see docs/notifications.md).',
  },
  {
    key: 'welcomeNotices',
    env: 'SWITCHBOARD_WELCOME_NOTICES',
    type: 'boolean',
    default: true,
    description:
      'Send a welcome (numbers, voicemail number, web address, set a PIN) to each subscriber when they become active.',
  },
  {
    key: 'nearlyFullPercent',
    env: 'SWITCHBOARD_NEARLY_FULL_PERCENT',
    type: 'integer',
    default: 90,
    description:
      'Share of the byte or message quota (percent) at which a subscriber is told their mailbox is nearly full, once per crossing; 0 turns the notice off.',
  },
  {
    key: 'pinReminderSeconds',
    env: 'SWITCHBOARD_PIN_REMINDER_SECONDS',
    type: 'integer',
    default: 259200,
    description:
      'How long (seconds; 259200 is 3 days) after activation a subscriber who set no PIN is reminded, once; 0 turns the reminder off.',
  },
  {
    key: 'expiryNoticeDays',
    env: 'SWITCHBOARD_EXPIRY_NOTICE_DAYS',
    type: 'integer',
    default: 3,
    description:
      'Messages that reach their retention or expiry within this many days are listed in a notice to their owner; 0 turns the notice off.',
  },
  {
    key: 'expiryNoticeIntervalSeconds',
    env: 'SWITCHBOARD_EXPIRY_NOTICE_INTERVAL_SECONDS',
    type: 'integer',
    default: 86400,
    description: 'At most one expiry notice per subscriber in this time (seconds; 86400 is a day).',
  },
  {
    key: 'noticeMaxListed',
    env: 'SWITCHBOARD_NOTICE_MAX_LISTED',
    type: 'integer',
    default: 20,
    description:
      'Most messages a digest or an expiry notice lists one by one (with their links); the rest are counted.',
  },
  {
    key: 'smsReassemblySeconds',
    env: 'SWITCHBOARD_SMS_REASSEMBLY_SECONDS',
    type: 'integer',
    default: 20,
    description:
      'How long the parts of a long incoming SMS are waited for; after that what came is stored, marked incomplete.',
  },
  {
    key: 'smsWebhookMaxBytes',
    env: 'SWITCHBOARD_SMS_WEBHOOK_MAX_BYTES',
    type: 'size',
    default: 65536,
    description:
      'The largest body an HTTP SMS provider may send to its webhooks (statuses, incoming SMS); larger ones are refused with 413.',
  },
  {
    key: 'callBackMaxSeconds',
    env: 'SWITCHBOARD_CALL_BACK_MAX_SECONDS',
    type: 'integer',
    default: 3600,
    description:
      'Longest call-back from the mailbox menu (3 then 2): the call to the sender is ended after this many seconds.',
  },
  {
    key: 'voicemailStarDestination',
    env: 'SWITCHBOARD_VOICEMAIL_STAR_DESTINATION',
    type: 'string',
    default: null,
    description:
      'Where a caller pressing * during the greeting is transferred (a SIP or tel URI, sent as a REFER); empty: * just skips the greeting.',
  },
  {
    key: 'voicemailZeroDestination',
    env: 'SWITCHBOARD_VOICEMAIL_ZERO_DESTINATION',
    type: 'string',
    default: null,
    description:
      'Where a caller pressing 0 during the greeting is transferred, typically an operator or reception (a SIP or tel URI, sent as a REFER); empty: 0 just skips the greeting.',
  },
  {
    key: 'sipTrustedTrunks',
    env: 'SWITCHBOARD_SIP_TRUSTED_TRUNKS',
    type: 'list',
    default: [],
    description:
      "Networks (CIDR) of SIP trunks and media gateways trusted to assert callers' identities with P-Asserted-Identity (RFC 3325). From anywhere else a caller id is shown as given, unverified, and one claiming a subscriber's address must prove it with digest authentication.",
  },
  {
    key: 'dialAllowedPrefixes',
    env: 'SWITCHBOARD_DIAL_ALLOWED_PREFIXES',
    type: 'list',
    default: [],
    description:
      'Telephone number prefixes (E.164, e.g. +1555,+4930; + alone allows every number) that calls Switchboard places may go to: voice deliveries, call-backs, the voicemail exits. Empty: only the numbers of SWITCHBOARD_NUMBER_RANGES. Any other number is refused before dialling (toll-fraud protection).',
  },
  {
    key: 'dialAllowedDomains',
    env: 'SWITCHBOARD_DIAL_ALLOWED_DOMAINS',
    type: 'list',
    default: [],
    description:
      'SIP domains (hosts) outside SWITCHBOARD_DOMAINS that calls Switchboard places may go to, comma-separated. A SIP URI whose user part is a telephone number must also pass SWITCHBOARD_DIAL_ALLOWED_PREFIXES.',
  },
  {
    key: 'dialGlobalSpendLimit',
    env: 'SWITCHBOARD_DIAL_GLOBAL_SPEND_LIMIT',
    type: 'string',
    default: null,
    description:
      "The most all calls placed by voice resources together may cost in a calendar month (UTC), in SWITCHBOARD_DEFAULT_CURRENCY, counted from the CDRs (e.g. 250 or 99.50). A call whose expected cost would pass it is refused. Empty: no global limit (subscribers' own spend limits still apply).",
  },
  {
    key: 'voicemailMinMs',
    env: 'SWITCHBOARD_VOICEMAIL_MIN_MS',
    type: 'integer',
    default: 1000,
    description: 'Recordings shorter than this (hang-ups right after the beep) are discarded.',
  },
  {
    key: 'sipRegisterMinExpires',
    env: 'SWITCHBOARD_SIP_REGISTER_MIN_EXPIRES',
    type: 'integer',
    default: 60,
    description:
      'Shortest registration a phone may ask for, in seconds (shorter gets 423 Interval Too Brief).',
  },
  {
    key: 'sipRegisterMaxExpires',
    env: 'SWITCHBOARD_SIP_REGISTER_MAX_EXPIRES',
    type: 'integer',
    default: 3600,
    description: 'Longest registration granted, in seconds; longer requests are shortened to this.',
  },
  {
    key: 'mailAuthPolicy',
    env: 'SWITCHBOARD_MAIL_AUTH_POLICY',
    type: 'string',
    default: 'dmarc',
    description:
      "What inbound mail failing its SPF/DKIM/DMARC checks gets: `dmarc` follows the sender domain's published DMARC policy (reject → 550, quarantine → junk folder, none → inbox); `reject` refuses it with 550 5.7.1; `junk` files it in the junk folder; `accept` only records the result; `off` skips the checks.",
  },
  {
    key: 'mailTrustedNetworks',
    env: 'SWITCHBOARD_MAIL_TRUSTED_NETWORKS',
    type: 'list',
    default: ['127.0.0.0/8', '::1/128'],
    description:
      'Client networks (CIDR) whose inbound mail skips the SPF/DKIM/DMARC checks: your own relays and gateways. `none` to check everything.',
  },
  {
    key: 'dnsServers',
    env: 'SWITCHBOARD_DNS_SERVERS',
    type: 'list',
    default: [],
    description:
      'DNS servers for MX and address lookups of outgoing mail and the SPF/DKIM/DMARC checks of incoming mail, as ip or ip:port ([v6]:port), comma-separated; empty uses the system resolvers.',
  },
  {
    key: 'vpimDomains',
    env: 'SWITCHBOARD_VPIM_DOMAINS',
    type: 'list',
    default: [],
    description:
      'Mail domains of VPIM peer voicemail systems: voice messages to them leave as VPIM v2 (RFC 3801, G.726-32 audio).',
  },
  {
    key: 'smtpMaxConnectionsPerIp',
    env: 'SWITCHBOARD_SMTP_MAX_CONNECTIONS_PER_IP',
    type: 'integer',
    default: 10,
    description:
      'Most connections one client address may hold open at once on each SMTP port; the next is answered 421 4.7.0 and closed.',
  },
  {
    key: 'smtpMaxCommandsBeforeData',
    env: 'SWITCHBOARD_SMTP_MAX_COMMANDS_BEFORE_DATA',
    type: 'integer',
    default: 200,
    description:
      'Most MAIL and RCPT commands one SMTP connection may send before it reaches DATA (again after each DATA); the next is answered 421 4.7.0 and the connection closed. Keep it above SWITCHBOARD_MAX_RECIPIENTS.',
  },
  {
    key: 'smtpMaxHeaderBytes',
    env: 'SWITCHBOARD_SMTP_MAX_HEADER_BYTES',
    type: 'size',
    default: 262144,
    description:
      'Largest header section of a mail or of any of its MIME parts; larger is refused with 552 5.3.4 while it streams in, before it is parsed.',
  },
  {
    key: 'smtpMaxHeaderFields',
    env: 'SWITCHBOARD_SMTP_MAX_HEADER_FIELDS',
    type: 'integer',
    default: 1000,
    description:
      'Most header fields in the header section of a mail or of any of its MIME parts; more is refused with 552 5.3.4.',
  },
  {
    key: 'smtpMaxMimeDepth',
    env: 'SWITCHBOARD_SMTP_MAX_MIME_DEPTH',
    type: 'integer',
    default: 100,
    description:
      "Deepest nesting of multiparts and embedded messages in a mail (Postfix's mime_nesting_limit is 100 too); deeper is refused with 554 5.6.0.",
  },
  {
    key: 'smtpMaxMimeParts',
    env: 'SWITCHBOARD_SMTP_MAX_MIME_PARTS',
    type: 'integer',
    default: 500,
    description:
      'Most MIME body parts in a mail, counted at every level; more is refused with 554 5.6.0 before parsing. Intake stores at most 100 parts of a message whatever this says.',
  },
  {
    key: 'dkimSelector',
    env: 'SWITCHBOARD_DKIM_SELECTOR',
    type: 'string',
    default: null,
    description:
      'DKIM selector for mail from the local domains; with dkimKeyFile, such mail is signed with d=<its From domain>. Publish the public key as TXT at <selector>._domainkey.<domain>.',
  },
  {
    key: 'dkimKeyFile',
    env: 'SWITCHBOARD_DKIM_KEY_FILE',
    type: 'string',
    default: null,
    description:
      'PEM RSA private key file for DKIM signing (nodemailer signs rsa-sha256); see dkimSelector.',
    secret: true,
  },
  {
    key: 'ivmMaxFrameBytes',
    env: 'SWITCHBOARD_IVM_MAX_FRAME_BYTES',
    type: 'size',
    default: 1048576,
    description:
      'Largest WebSocket frame of the voice messenger (a text frame with its attachments); a larger one closes the connection with 1009.',
  },
  {
    key: 'ivmMaxSeconds',
    env: 'SWITCHBOARD_IVM_MAX_SECONDS',
    type: 'integer',
    default: 300,
    description:
      'Longest voice message; the server ends a longer stream there and stores it as far as it went.',
  },
  {
    key: 'ivmControlRate',
    env: 'SWITCHBOARD_IVM_CONTROL_RATE',
    type: 'integer',
    default: 20,
    description:
      'Text frames a voice messenger connection may send a second (bursts of twice that); more are refused with rate-limited, twice the rate for 5 s closes it (4429).',
  },
  {
    key: 'ivmAudioRate',
    env: 'SWITCHBOARD_IVM_AUDIO_RATE',
    type: 'integer',
    default: 100,
    description:
      'Audio frames a voice messenger connection may send a second (live talk is 50); more are dropped, twice the rate for 5 s closes it (4429).',
  },
  {
    key: 'ivmHeartbeatSeconds',
    env: 'SWITCHBOARD_IVM_HEARTBEAT_SECONDS',
    type: 'integer',
    default: 25,
    description:
      'Seconds between WebSocket pings to voice messenger clients; one silent for two periods is closed (4408) and goes offline.',
  },
  {
    key: 'ivmSlowListenerBytes',
    env: 'SWITCHBOARD_IVM_SLOW_LISTENER_BYTES',
    type: 'size',
    default: 65536,
    description:
      'Unsent bytes queued for a listener past which it misses live frames (for itself alone); its stored copy stays whole.',
  },
  {
    key: 'ivmEnhance',
    env: 'SWITCHBOARD_IVM_ENHANCE',
    type: 'boolean',
    default: true,
    description:
      'Noise reduction and loudness normalisation (ffmpeg) of each voice message after it is stored as sent, added as an Ogg Opus rendition that clients then play; false keeps only the packets as sent.',
  },
  {
    key: 'logLevel',
    env: 'SWITCHBOARD_LOG_LEVEL',
    type: 'string',
    default: 'info',
    description: 'pino log level: trace, debug, info, warn, error, fatal or silent.',
  },
] as const satisfies readonly OptionSpec[];

export type OptionKey = (typeof OPTIONS)[number]['key'];
