/**
 * Answers the JSON API gives, as zod schemas of the wire format (dates are ISO strings), shared by
 * the route declarations in *-api.ts. They state what the code returns; the suite checks every
 * answer against them (CHECK_API_RESPONSES=1, src/http/api-route.ts).
 */
import { z } from 'zod';
import { LIMITS } from '../issues/document';
import { ISSUE_STATUSES } from '../issues/status';
import { SCHEDULE_STATES } from '../sending/schedule';
import { DELIVERY_STATUSES, SEND_STATUSES } from '../sending/status';
import { ZONE_STATES } from '../sending/zones';
import { STATUSES as SUBSCRIBER_STATUSES } from '../subscribers/admin';
import { SUPPRESSION_REASONS, SUPPRESSION_SOURCES } from '../subscribers/suppressions';

const id = z.number().int().positive();
const count = z.number().int().nonnegative();
const timestamp = z.iso.datetime();
const counts = z.record(z.string(), count);
const rate = z.number().nonnegative().meta({ description: 'Percent of delivered messages, two decimals.' });
const deliverabilityFigures = z.object({
  delivered: count, hard_bounces: count, soft_bounces: count, complaints: count, hard_bounce_rate: rate, soft_bounce_rate: rate, complaint_rate: rate,
});

/** The issue document (docs/authoring.md); the issues service checks topics and limits. */
export const issueDocument = z
  .object({
    slug: z.string().max(100),
    title: z.string().max(LIMITS.title),
    subject: z.string().max(LIMITS.subject).nullable().optional(),
    intro: z.string().max(LIMITS.intro).nullable().optional(),
    highlights: z.record(z.string(), z.string().max(LIMITS.highlight)).nullable().optional(),
    sections: z
      .array(
        z.object({
          title: z.string().max(LIMITS.sectionTitle),
          items: z
            .array(
              z.object({
                title: z.string().max(LIMITS.itemTitle),
                date: z.string().nullable().optional().meta({ description: 'YYYY-MM-DD' }),
                topics: z.array(z.string()).meta({ description: 'Topic slugs; [] is general news, for every reader.' }),
                body: z.string().max(LIMITS.body).nullable().optional().meta({ description: 'Markdown' }),
                links: z.array(z.object({ label: z.string(), url: z.string() })).max(LIMITS.links).nullable().optional(),
              }),
            )
            .min(1)
            .max(LIMITS.itemsPerSection),
        }),
      )
      .min(1)
      .max(LIMITS.sections),
  })
  .meta({ id: 'IssueDocument' });

export const itemSuggestion = z.object({ section: count, item: count, title: z.string(), topics: z.array(z.string()), matched: z.array(z.string()) });

export const issueCreated = z.object({ id, slug: z.string(), status: z.enum(ISSUE_STATUSES) });

export const issueImported = issueCreated.extend({
  format: z.enum(['markdown', 'text']),
  document: issueDocument,
  suggestions: z.array(itemSuggestion),
});

export const issueDryRun = z.object({ dryRun: z.literal(true), format: z.enum(['markdown', 'text']), document: issueDocument, suggestions: z.array(itemSuggestion) });

export const issue = z.object({
  id,
  slug: z.string(),
  title: z.string(),
  status: z.enum(ISSUE_STATUSES),
  document: issueDocument,
  suggestions: z.array(itemSuggestion).nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
  sentAt: timestamp.nullable(),
});

export const issueSummary = z.object({
  id, slug: z.string(), title: z.string(), status: z.enum(ISSUE_STATUSES), itemCount: count, createdAt: timestamp, updatedAt: timestamp, sentAt: timestamp.nullable(),
});

export const variantSummary = z.object({ topics: z.array(z.string()), key: z.string(), subject: z.string(), itemCount: count, htmlBytes: count, empty: z.boolean() });

export const testSent = z.object({ status: z.literal('sent'), to: z.string(), topics: z.array(z.string()), messageId: z.string() });

export const progress = z
  .object({
    send_id: id,
    issue_id: id,
    status: z.enum(SEND_STATUSES),
    total: count,
    sent: count,
    failed: count,
    skipped: count,
    uncertain: count,
    pending: count.meta({ description: 'Not final yet, including the rows in flight.' }),
    cancelled: count,
    bounced: count.meta({ description: 'Handed over, then reported back as a hard bounce.' }),
    complaint_warning: z.string().nullable(),
    in_flight: count,
    prepared: z.boolean(),
    pause_reason: z.string().nullable(),
    rate: z.number().nonnegative().meta({ description: 'Messages handed to SMTP per second over the last 10 seconds.' }),
    created_at: timestamp,
    completed_at: timestamp.nullable(),
    zones: z
      .array(z.object({ zone: z.string(), due_at: timestamp, state: z.enum(ZONE_STATES), total: count, sent: count, waiting: count }))
      .optional()
      .meta({ description: 'Local-time delivery only: each zone, when it is due, and whether it waits, is sending or is done.' }),
  })
  .meta({ id: 'SendProgress' });

export const scheduledSend = z
  .object({
    issue_id: id,
    status: z.enum(SCHEDULE_STATES),
    scheduled_at: timestamp.meta({ description: 'When the send starts (local-time delivery: when the first zone is due).' }),
    local_time: z.string().nullable(),
    date: z.string().nullable(),
    default_zone: z.string().nullable(),
    error: z.string().nullable().meta({ description: 'Why a schedule is missed.' }),
  })
  .meta({ id: 'ScheduledSend' });

export const delivery = z.object({
  id,
  subscriber_id: id.nullable(),
  email: z.string().nullable(),
  topics: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: count,
  smtp_code: z.number().int().nullable(),
  error: z.string().nullable(),
  resolution: z.enum(['marked_sent', 'resent']).nullable(),
  claimed_at: timestamp.nullable(),
  updated_at: timestamp,
});

export const sendReport = z.object({
  progress,
  variants: z.array(z.object({ topics: z.string(), counts })),
  topics: z.array(z.object({ topic: z.string(), counts })),
  failures: z.array(z.object({ status: z.string(), smtp_code: z.number().int().nullable(), error: z.string().nullable(), count })),
  bounces: counts,
  deliverability: deliverabilityFigures.extend({
    complaint_warning: z.string().nullable(),
    topics: z.array(deliverabilityFigures.extend({ topic: z.string() })),
  }),
});

export const topicDeliverability = z.object({ topics: z.array(deliverabilityFigures.extend({ topic: z.string() })) });

export const auditActions = z.object({
  actions: z.array(z.object({ id, editor: z.string(), action: z.string(), detail: z.string().nullable(), created_at: timestamp })),
});

const subscriberStatus = z.enum(SUBSCRIBER_STATUSES as readonly ['pending', 'confirmed', 'unsubscribed', 'erased']);

export const subscriber = z.object({
  id, email: z.string().nullable(), name: z.string().nullable(), status: subscriberStatus, topics: z.array(z.string()),
  createdAt: timestamp, confirmedAt: timestamp.nullable(), unsubscribedAt: timestamp.nullable(),
});

export const subscriberDetail = subscriber.extend({ updatedAt: timestamp, suppressed: z.string().nullable() });

export const subscriberPage = z.object({ subscribers: z.array(subscriber), nextBefore: id.nullable() });

export const importReport = z.object({
  dryRun: z.boolean(), imported: count, updated: count, invalid: z.array(z.object({ line: count, error: z.string() })),
  invalidCount: count, suppressed: count, unsubscribed: count, duplicates: count,
  welcomed: count.meta({ description: 'Welcome emails queued (in a dry run: that would be) for the readers the import adds; 0 without ?welcome=1 or with WELCOME_EMAIL=off.' }),
});

const nullableTime = timestamp.nullable();

export const privacyExport = z.object({
  subscriber: subscriberDetail,
  consentEvents: z.array(z.object({
    id, kind: z.string(), source: z.string(), topics: z.array(z.string()).nullable(), consentVersion: z.string().nullable(),
    ip: z.string().nullable(), userAgent: z.string().nullable(), at: timestamp,
  })),
  confirmationTokens: z.array(z.object({ createdAt: timestamp, expiresAt: timestamp, usedAt: nullableTime })),
  transactionalEmails: z.array(z.object({ id, kind: z.string(), status: z.string(), attempts: count, createdAt: timestamp, sentAt: nullableTime })),
  newsletterDeliveries: z.array(z.object({
    id, sendId: id, issueId: id, issueSlug: z.string(), issueTitle: z.string(), topics: z.array(z.string()), status: z.enum(DELIVERY_STATUSES),
    attempts: count, smtpCode: z.number().int().nullable(), sentAt: nullableTime, updatedAt: timestamp,
  })),
  bounces: z.array(z.object({ id, type: z.string(), reason: z.string().nullable(), sendId: id.nullable(), at: timestamp })),
  pendingRequests: z.array(z.object({
    at: timestamp, topics: z.array(z.string()), source: z.string(), consentVersion: z.string().nullable(), ip: z.string().nullable(), userAgent: z.string().nullable(),
  })),
  clicks: z.string().meta({ description: 'Why there is nothing about clicks: they are counted without who clicked.' }),
});

export const erased = z.object({ id, status: z.literal('erased') });

export const suppression = z.object({
  id, emailHash: z.string().regex(/^[0-9a-f]{64}$/), reason: z.enum(SUPPRESSION_REASONS), source: z.enum(SUPPRESSION_SOURCES),
  detail: z.string().nullable(), createdAt: timestamp,
});

export const suppressionPage = z.object({
  suppressions: z.array(suppression),
  counts: z.record(z.enum(SUPPRESSION_REASONS), count),
  nextBefore: id.nullable(),
});

export const suppressionImportReport = z.object({
  rows: count, added: count, unchanged: count, invalid: z.array(z.object({ line: count, error: z.string() })), invalidCount: count,
});

/** Click counts (GET /api/issues/:id/clicks, docs/privacy.md): people's clicks and machines'. */
const clickCounts = { human: count, machine: count };
const partClicks = {
  ...clickCounts,
  byTopicSet: counts.meta({ description: 'People’s clicks per topic set of the reader ("ai,nev")' }),
  byTopic: counts.meta({ description: 'People’s clicks per topic: a reader of two topics counts for both' }),
  links: z.array(z.object({ index: count, url: z.string(), label: z.string(), ...clickCounts })),
};
export const clickReport = z.object({
  issueId: id,
  title: z.string(),
  status: z.enum(ISSUE_STATUSES),
  tracking: z.enum(['aggregate', 'off']),
  totals: z.object(clickCounts),
  topicSets: z.array(z.object({ topics: z.string(), ...clickCounts })),
  topics: z.array(z.object({ topic: z.string(), ...clickCounts })),
  highlights: z.array(z.object({ topic: z.string(), ...partClicks })),
  items: z.array(z.object({ index: count, section: z.string(), title: z.string(), topics: z.array(z.string()), ...partClicks })),
});
