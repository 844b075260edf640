// Command local-path-provisioner is the sandbox's stand-in for kind's rancher.io/local-path
// provisioner: it creates a hostPath PersistentVolume for each claim that the "standard"
// StorageClass should provision (after the scheduler picked a node, because the class is
// WaitForFirstConsumer), and deletes released volumes it created. The PV controller in
// kube-controller-manager does the binding. kwok pods never touch a disk; for real nodes
// (--create-dirs) it also creates each volume's directory, world-writable as kind's provisioner
// makes it (so pods that run as non-root can write), and removes it with the volume. All sandbox
// nodes share this machine's file system, so a directory made here is on the pod's node.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

const (
	provisionerName = "rancher.io/local-path"
	// Annotations set by the scheduler and the PV controller (k8s.io/component-helpers/storage/volume).
	annSelectedNode  = "volume.kubernetes.io/selected-node"
	annProvisionedBy = "pv.kubernetes.io/provisioned-by"
)

func main() {
	if err := run(); err != nil {
		slog.Error("local-path-provisioner stopped", "err", err)
		os.Exit(1)
	}
}

func run() error {
	kubeconfig := flag.String("kubeconfig", "", "path to the kubeconfig")
	interval := flag.Duration("interval", time.Second, "how often to reconcile")
	dir := flag.String("dir", "/var/local-path-provisioner", "where volume directories are")
	createDirs := flag.Bool("create-dirs", false, "create and remove the volume directories (real nodes)")
	flag.Parse()
	if *kubeconfig == "" {
		return errors.New("--kubeconfig is required")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return fmt.Errorf("load kubeconfig: %w", err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("build clientset: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	slog.Info("local-path-provisioner started", "provisioner", provisionerName)
	// Polling instead of informers keeps this tiny; a sandbox has a handful of claims.
	t := time.NewTicker(*interval)
	defer t.Stop()
	for {
		if err := reconcile(ctx, cs, volumes{root: *dir, create: *createDirs}); err != nil && ctx.Err() == nil {
			slog.Warn("reconcile failed, retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// volumes says where volume directories live and whether this process manages them.
type volumes struct {
	root   string
	create bool
}

func (v volumes) path(pvName string, pvc *corev1.PersistentVolumeClaim) string {
	return path.Join(v.root, pvName+"_"+pvc.Namespace+"_"+pvc.Name)
}

func reconcile(ctx context.Context, cs kubernetes.Interface, vols volumes) error {
	classes, err := cs.StorageV1().StorageClasses().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list storage classes: %w", err)
	}
	ours := map[string]storagev1.StorageClass{}
	for _, sc := range classes.Items {
		if sc.Provisioner == provisionerName {
			ours[sc.Name] = sc
		}
	}
	pvcs, err := cs.CoreV1().PersistentVolumeClaims("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list claims: %w", err)
	}
	var errs []error
	for i := range pvcs.Items {
		pvc := &pvcs.Items[i]
		if pvc.Spec.VolumeName != "" || pvc.DeletionTimestamp != nil || pvc.Spec.StorageClassName == nil {
			continue
		}
		sc, ok := ours[*pvc.Spec.StorageClassName]
		if !ok {
			continue
		}
		node := pvc.Annotations[annSelectedNode]
		waitForConsumer := sc.VolumeBindingMode != nil && *sc.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer
		if waitForConsumer && node == "" {
			continue // the scheduler has not placed a pod that uses it yet
		}
		if err := provision(ctx, cs, pvc, sc, node, vols); err != nil {
			errs = append(errs, err)
		}
	}
	pvs, err := cs.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("list volumes: %w", err))...)
	}
	for _, pv := range pvs.Items {
		if pv.Annotations[annProvisionedBy] != provisionerName || pv.Status.Phase != corev1.VolumeReleased ||
			pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete {
			continue
		}
		if vols.create && pv.Spec.HostPath != nil && path.Dir(pv.Spec.HostPath.Path) == path.Clean(vols.root) {
			if err := os.RemoveAll(pv.Spec.HostPath.Path); err != nil {
				errs = append(errs, fmt.Errorf("remove the directory of released volume %s: %w", pv.Name, err))
				continue
			}
		}
		if err := cs.CoreV1().PersistentVolumes().Delete(ctx, pv.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete released volume %s: %w", pv.Name, err))
		} else {
			slog.Info("deleted released volume", "pv", pv.Name)
		}
	}
	return errors.Join(errs...)
}

func provision(ctx context.Context, cs kubernetes.Interface, pvc *corev1.PersistentVolumeClaim, sc storagev1.StorageClass, node string, vols volumes) error {
	size, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	if !ok {
		return fmt.Errorf("claim %s/%s requests no storage", pvc.Namespace, pvc.Name)
	}
	reclaim := corev1.PersistentVolumeReclaimDelete
	if sc.ReclaimPolicy != nil {
		reclaim = *sc.ReclaimPolicy
	}
	// Same name scheme as the real provisioner, so a retry after a crash finds the same volume.
	name := "pvc-" + string(pvc.UID)
	dir := vols.path(name, pvc)
	if vols.create {
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return fmt.Errorf("volume directory for %s/%s: %w", pvc.Namespace, pvc.Name, err)
		}
		// MkdirAll applies the umask; the mode must not depend on it.
		if err := os.Chmod(dir, 0o777); err != nil {
			return fmt.Errorf("volume directory for %s/%s: %w", pvc.Namespace, pvc.Name, err)
		}
	}
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{annProvisionedBy: provisionerName},
		},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: size},
			AccessModes:                   pvc.Spec.AccessModes,
			PersistentVolumeReclaimPolicy: reclaim,
			StorageClassName:              sc.Name,
			VolumeMode:                    pvc.Spec.VolumeMode,
			ClaimRef: &corev1.ObjectReference{
				Kind: "PersistentVolumeClaim", APIVersion: "v1",
				Namespace: pvc.Namespace, Name: pvc.Name, UID: pvc.UID, ResourceVersion: pvc.ResourceVersion,
			},
			PersistentVolumeSource: corev1.PersistentVolumeSource{
				HostPath: &corev1.HostPathVolumeSource{Path: dir},
			},
		},
	}
	if node != "" {
		pv.Spec.NodeAffinity = &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{
				Key: "kubernetes.io/hostname", Operator: corev1.NodeSelectorOpIn, Values: []string{node},
			}}}},
		}}
	}
	_, err := cs.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("provision volume for %s/%s: %w", pvc.Namespace, pvc.Name, err)
	}
	slog.Info("provisioned volume", "pv", name, "claim", pvc.Namespace+"/"+pvc.Name, "node", node)
	return nil
}
