import { GenericContainer, Network, Wait, type StartedTestContainer } from 'testcontainers';
import { CCOMPAT_PATH, DEFAULT_PORTS, IMAGES } from '@spr/stack';
import type { StartedTestStack } from './test-stack.ts';

/**
 * The same versions as the local stack, in containers, for machines with a Docker engine. Kafka advertises the
 * host port it is mapped to, so clients outside the container network reach it.
 */
export async function startContainerStack(): Promise<StartedTestStack> {
  const network = await new Network().start();
  const started: StartedTestContainer[] = [];
  try {
    const postgres = await new GenericContainer(IMAGES.postgres)
      .withNetwork(network)
      .withEnvironment({ POSTGRES_USER: 'spr', POSTGRES_PASSWORD: 'spr', POSTGRES_DB: 'spr' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    started.push(postgres);

    const kafkaHostPort = DEFAULT_PORTS.kafka;
    const kafka = await new GenericContainer(IMAGES.kafka)
      .withNetwork(network)
      .withExposedPorts({ container: 9092, host: kafkaHostPort })
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_LISTENERS: 'PLAINTEXT://0.0.0.0:9092,CONTROLLER://localhost:9093',
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaHostPort}`,
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS: '1000',
      })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start();
    started.push(kafka);

    const registry = await new GenericContainer(IMAGES.registry)
      .withNetwork(network)
      .withExposedPorts(8080)
      .withEnvironment({
        APICURIO_REST_DELETION_ARTIFACT_ENABLED: 'true',
        APICURIO_REST_DELETION_ARTIFACT_VERSION_ENABLED: 'true',
      })
      .withWaitStrategy(Wait.forHttp(`${CCOMPAT_PATH}/subjects`, 8080))
      .start();
    started.push(registry);

    return {
      kafkaBrokers: [`127.0.0.1:${kafkaHostPort}`],
      schemaRegistryUrl: `http://${registry.getHost()}:${registry.getMappedPort(8080)}${CCOMPAT_PATH}`,
      databaseUrl: `postgres://spr:spr@${postgres.getHost()}:${postgres.getMappedPort(5432)}/spr`,
      source: 'testcontainers',
      description: `testcontainers: ${IMAGES.kafka}, ${IMAGES.registry}, ${IMAGES.postgres}`,
      stop: async () => {
        for (const container of started.reverse()) await container.stop();
        await network.stop();
      },
    };
  } catch (error) {
    for (const container of started.reverse()) await container.stop().catch(() => undefined);
    await network.stop().catch(() => undefined);
    throw error;
  }
}
