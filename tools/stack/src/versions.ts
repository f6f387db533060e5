/**
 * The versions of the real services every test, demo and benchmark runs against. docker-compose.yml must
 * use the same ones (a test compares them), so what CI proves here is what users run with Docker.
 */
export const KAFKA_VERSION = '4.1.2';
export const APICURIO_VERSION = '3.3.3';
export const POSTGRES_MAJOR = 15;

/** Apicurio Registry 3.x is compiled for Java 21; Kafka 4.x brokers need Java 17. */
export const KAFKA_MIN_JAVA = 17;
export const REGISTRY_MIN_JAVA = 21;

/** Container images for machines with a Docker engine (docker-compose.yml, testcontainers). */
export const IMAGES = {
  kafka: `apache/kafka:${KAFKA_VERSION}`,
  registry: `apicurio/apicurio-registry:${APICURIO_VERSION}`,
  postgres: `postgres:${POSTGRES_MAJOR}`,
} as const;

/** Path of the Confluent-compatible API inside Apicurio Registry. */
export const CCOMPAT_PATH = '/apis/ccompat/v7';
