"""Chat with a model: one reply streamed and recorded, the chats kept per person, side-by-side compare.
Also the generation options a person may set, reply timing, the models offered and a token estimate."""
