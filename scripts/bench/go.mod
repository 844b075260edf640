module github.com/cloudnative-go-journey/cloudnative-go-journey/scripts/bench

go 1.26.0
