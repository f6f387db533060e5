/**
 * The registry subject of a record on a topic, by TopicRecordNameStrategy: `<topic>-<record full name>`. One topic
 * carries several record types, each with its own version history (docs/decisions/0002-subject-naming.md).
 */
export function subjectName(topic: string, recordFullName: string): string {
  return `${topic}-${recordFullName}`;
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** Kafka's rule for topic names; `.` and `..` are reserved. */
export function isValidTopicName(topic: string): boolean {
  return TOPIC_NAME.test(topic) && topic !== '.' && topic !== '..';
}
