package store

import "context"

// Bus carries messages between the nodes of a deployment: list_changed and resource updates for every
// listener, and messages routed to the node that holds a stream. Delivery is at most once: a subscriber
// that falls behind loses messages rather than slowing the publisher.
type Bus interface {
	// Publish sends msg to every current subscriber of topic. msg is copied.
	Publish(ctx context.Context, topic string, msg []byte) error
	// Subscribe starts receiving topic's messages. The subscription ends when ctx ends or it is closed.
	Subscribe(ctx context.Context, topic string) (Subscription, error)
}

// Subscription receives one topic's messages.
type Subscription interface {
	// C delivers messages; it is closed when the subscription ends.
	C() <-chan []byte
	// Close ends the subscription. It is idempotent.
	Close() error
}

// CountingBus is a Bus that tells how many receivers a message reached. A node that routes a message to
// whichever node holds a stream uses the count to learn, at no extra cost, that no node holds it.
type CountingBus interface {
	Bus
	// PublishCount is Publish, and also returns how many receivers the message reached: subscribers on the
	// memory bus, nodes subscribed to the topic on Redis (a node subscribes a topic once, whatever its local
	// subscribers). 0 means nobody was subscribed; a negative count means the bus cannot tell (Redis
	// Cluster counts only the clients of the node it asked). A count of 0 while the bus's own connection
	// is down or has just come back fails with an error wrapping ErrUnsettled instead: other nodes'
	// subscriptions may not be back yet.
	PublishCount(ctx context.Context, topic string, msg []byte) (int, error)
}
